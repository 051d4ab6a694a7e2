import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eld } from 'eld/small';
import { describe, expect, it } from 'vitest';
import { DETECTABLE_LANGUAGES } from '../../src/pipeline/language.js';
import { loadNgramScorer } from '../../src/pipeline/language-ngrams.js';

const samples = path.resolve(import.meta.dirname, '../../samples');

/** Short and long text in many scripts: the sample tickets and articles, and a few lines more. */
function texts(): string[] {
  const out = [
    'Problema recurrente de desconexión de red',
    'Rücksendungsanfrage: Problem mit Tintentank-Leckage',
    "Problèmes d'accès à Zoom — l'application ne démarre pas",
    'Urgent DNS Resolution Issue',
    'Здравствуйте, не могу войти в аккаунт после смены пароля',
    'パスワードを忘れてしまいました。ログインできません。',
    '비밀번호를 잊어버렸습니다',
    '我无法登录我的账户，请帮忙',
    'لا أستطيع تسجيل الدخول إلى حسابي',
    'אני לא מצליח להתחבר לחשבון שלי',
    'Nie mogę się zalogować do mojego konta 😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    'Δεν μπορώ να συνδεθώ στον λογαριασμό μου',
    'refund?',
    '',
    `${'Ein sehr langes Wort: Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen '.repeat(20)}`,
  ];
  for (const dir of ['tickets', 'kb']) {
    for (const file of readdirSync(path.join(samples, dir))) {
      const text = readFileSync(path.join(samples, dir, file), 'utf8');
      out.push(text.slice(0, 1_000), text.slice(-300));
    }
  }
  return out;
}

describe("the compact copy of ELD's small profile", () => {
  it("scores every detectable language exactly as eld/small's detect() does", async () => {
    const scorer = await loadNgramScorer(DETECTABLE_LANGUAGES);
    for (const text of texts()) {
      const expected = Object.fromEntries(
        Object.entries(eld.detect(text).getScores()).filter(([l]) =>
          (DETECTABLE_LANGUAGES as readonly string[]).includes(l),
        ),
      );
      expect(scorer.scores(text), text.slice(0, 60)).toEqual(expected);
    }
  });

  it('keeps only the languages asked for', async () => {
    const scorer = await loadNgramScorer(['de', 'fr', 'xx']);
    expect(Object.keys(scorer.scores('Ich habe mein Passwort vergessen, merci')).sort()).toEqual([
      'de',
      'fr',
    ]);
  });
});
