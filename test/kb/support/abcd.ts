import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const ABCD_DIR = path.resolve('../shared/data/kb/abcd');
export const BITEXT_DIR = path.resolve('../shared/data/kb/bitext-faq');

interface AbcdAction {
  button: string;
  text: string;
  subtext: string[];
}
type Guidelines = Record<
  string,
  {
    description: string;
    subflows: Record<string, { actions: AbcdAction[]; instructions: string[] }>;
  }
>;

export interface AbcdArticle {
  /** Slug of the subflow name, e.g. `return-due-to-size`. */
  slug: string;
  flow: string;
  title: string;
  markdown: string;
}

export const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * The ABCD agent guidelines (flows → subflows → actions) rendered as the Markdown articles a
 * support team would write: one article per subflow, one section per action, sub-steps as lists.
 */
export function abcdArticles(): AbcdArticle[] {
  const guidelines = JSON.parse(
    readFileSync(path.join(ABCD_DIR, 'guidelines.json'), 'utf8'),
  ) as Guidelines;
  const articles: AbcdArticle[] = [];
  for (const [flow, { description, subflows }] of Object.entries(guidelines)) {
    for (const [name, subflow] of Object.entries(subflows)) {
      const lines = [`# ${name}`, '', `${flow}: ${description}.`, ''];
      lines.push(...subflow.instructions.map((i) => `${i}`), '');
      for (const action of subflow.actions) {
        lines.push(`## ${action.button === 'N/A' ? 'Talk to the customer' : action.button}`, '');
        lines.push(action.text, '');
        for (const sub of action.subtext) lines.push(`- ${sub}`);
        lines.push('');
      }
      articles.push({
        slug: slugify(name),
        flow: slugify(flow),
        title: name,
        markdown: lines.join('\n'),
      });
    }
  }
  return articles;
}

/** Writes the ABCD articles as `<flow>/<subflow>.md` under `dir`. */
export async function writeAbcdFolder(dir: string): Promise<AbcdArticle[]> {
  const articles = abcdArticles();
  for (const article of articles) {
    await mkdir(path.join(dir, article.flow), { recursive: true });
    await writeFile(path.join(dir, article.flow, `${article.slug}.md`), article.markdown);
  }
  return articles;
}

/** The sample dialogues' opening customer requests with the subflow the agent followed. */
export function abcdSampleQueries(): { query: string; flow: string; subflow: string }[] {
  const samples = JSON.parse(readFileSync(path.join(ABCD_DIR, 'abcd_sample.json'), 'utf8')) as {
    scenario: { flow: string; subflow: string };
    original: [string, string][];
  }[];
  return samples.map((s) => {
    const customer = s.original.filter(([who]) => who === 'customer').map(([, text]) => text);
    // The first line that says what the customer wants (greetings are short).
    const query = customer.find((t) => t.split(/\s+/).length >= 6) ?? customer[0] ?? '';
    return { query, flow: s.scenario.flow, subflow: s.scenario.subflow };
  });
}
