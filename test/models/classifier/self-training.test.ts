import { describe, expect, it } from 'vitest';
import {
  evaluate,
  type LabelledText,
  samplePerLabel,
  type TrainedClassifier,
  trainClassifier,
} from '../../../src/models/classifier/index.js';
import { loadClincSubset } from './fixtures.js';

const labelled: LabelledText[] = [
  { text: 'please refund my order', label: 'billing' },
  { text: 'I want a refund for the charge', label: 'billing' },
  { text: 'refund the payment', label: 'billing' },
  { text: 'reset my password', label: 'account' },
  { text: 'I cannot log in to my account', label: 'account' },
  { text: 'password reset link expired', label: 'account' },
];

function weightOf(model: TrainedClassifier, word: string): number {
  return model.explain(word, 'billing').find((term) => term.term === word)?.weight ?? 0;
}

describe('self-training on unlabelled tickets', () => {
  it('learns words that only unlabelled tickets contain, through confident pseudo-labels', () => {
    // "qzvwx" (a product code, say) shares no character n-gram with a labelled text; the
    // unlabelled tickets use it beside words the model already knows.
    const unlabelled = [
      'refund the payment qzvwx',
      'please refund my order qzvwx',
      'reset my password login',
    ];
    const plain = trainClassifier(labelled, { calibrationFraction: 0 });
    const selfTrained = trainClassifier(labelled, {
      calibrationFraction: 0,
      selfTraining: { texts: unlabelled, minConfidence: 0.5 },
    });
    expect(selfTrained.training).toMatchObject({ examples: 6, pseudoLabelled: 3 });
    expect(weightOf(plain, 'qzvwx')).toBe(0);
    expect(weightOf(selfTrained, 'qzvwx')).toBeGreaterThan(0.1);
    expect(selfTrained.predict('qzvwx').label).toBe('billing');
    expect(selfTrained.predict('qzvwx').confidence).toBeGreaterThan(
      plain.predict('qzvwx').confidence,
    );
  });

  it('ignores predictions below the confidence threshold', () => {
    const model = trainClassifier(labelled, {
      calibrationFraction: 0,
      selfTraining: { texts: ['refund the payment qzvwx'], minConfidence: 1 },
    });
    expect(model.training.pseudoLabelled).toBeUndefined();
    // The word has a column (the vocabulary includes unlabelled texts) but no weight.
    expect(weightOf(model, 'qzvwx')).toBe(0);
  });

  it('refuses settings that cannot work', () => {
    expect(() => trainClassifier(labelled, { selfTraining: { texts: [], weight: 0 } })).toThrow(
      /weight/,
    );
    expect(() =>
      trainClassifier(labelled, { selfTraining: { texts: [], minConfidence: 2 } }),
    ).toThrow(/minConfidence/);
  });

  it('helps a few-shot model with the rest of the real utterances as unlabelled tickets', () => {
    // 20 CLINC150 intents, 5 labelled utterances each; the other 95 per intent come unlabelled.
    const { train, test } = loadClincSubset();
    const few = samplePerLabel(train, 5, 7);
    const fewTexts = new Set(few.map((example) => example.text));
    const unlabelled = train.filter((e) => !fewTexts.has(e.text)).map((e) => e.text);
    const plain = evaluate(trainClassifier(few), test);
    const selfTrainedModel = trainClassifier(few, { selfTraining: { texts: unlabelled } });
    const selfTrained = evaluate(selfTrainedModel, test);
    console.info(
      `5-shot, 20 intents: accuracy ${plain.accuracy.toFixed(3)} → ${selfTrained.accuracy.toFixed(3)} ` +
        `with ${selfTrainedModel.training.pseudoLabelled} pseudo-labels`,
    );
    expect(selfTrainedModel.training.pseudoLabelled).toBeGreaterThan(100);
    expect(selfTrained.accuracy).toBeGreaterThan(plain.accuracy + 0.02);
  });
});
