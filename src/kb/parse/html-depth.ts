import { Tokenizer } from 'htmlparser2';

/**
 * htmlparser2 keeps its open elements in an array it `unshift`s at every opening tag, so each
 * tag costs as much as the nesting is deep: 1 MB of `<div>` took 22 s. Browsers stop nesting
 * at 512 levels; the readers here (the KB's HTML reader, and html-to-text for HTML email) stop
 * at `maxDepth`: an opening tag that would go deeper is replaced by a space, so its text stays,
 * in the element around it.
 *
 * htmlparser2's own tokenizer (linear) finds the tags, so comments, attributes and the contents
 * of `<script>` or `<textarea>` are read exactly as the parser will read them, and the nesting
 * follows its parser's rules: void elements, opening tags that close others, closing tags that
 * close everything up to their match and are ignored without one, self-closing tags inside
 * `<svg>`/`<math>`. A raw-text element (`<script>`, `<style>`, `<title>`, `<textarea>`,
 * `<xmp>`) is never flattened, since its contents would become text: it adds at most one level.
 */
export function capHtmlNesting(html: string, maxDepth: number): string {
  const stack: string[] = [];
  const foreign: boolean[] = [];
  const open = new Map<string, number>();
  const push = (name: string) => {
    stack.push(name);
    open.set(name, (open.get(name) ?? 0) + 1);
    if (FOREIGN.has(name)) foreign.push(true);
    else if (INTEGRATION.has(name)) foreign.push(false);
  };
  const pop = () => {
    const name = stack.pop()!;
    open.set(name, open.get(name)! - 1);
  };
  // The opening tag being read: its name and where its `<` is.
  let tag: { name: string; start: number } | null = null;
  const dropped: [start: number, end: number][] = [];
  const end = (endIndex: number, selfClosing: boolean) => {
    if (!tag) return;
    const { name, start } = tag;
    tag = null;
    if (VOID.has(name)) return;
    const closes = IMPLIED_CLOSE.get(name);
    let implied = 0;
    while (closes?.has(stack[stack.length - 1 - implied]!)) implied++;
    const raw = RAW_TEXT.has(name) && !selfClosing;
    if (stack.length - implied >= maxDepth && !raw) {
      dropped.push([start, endIndex + 1]);
      return;
    }
    for (let i = 0; i < implied; i++) pop();
    push(name);
    // A self-closing tag closes itself only in foreign content (`<svg/>` is: it starts some);
    // elsewhere it stays open.
    if (selfClosing && foreign[foreign.length - 1]) pop();
  };
  const ignore = () => {};
  const tokenizer = new Tokenizer(
    { xmlMode: false, decodeEntities: false },
    {
      onopentagname(start, endIndex) {
        tag = { name: html.slice(start, endIndex).toLowerCase(), start: start - 1 };
      },
      onopentagend: (endIndex) => end(endIndex, false),
      onselfclosingtag: (endIndex) => end(endIndex, true),
      onclosetag(start, endIndex) {
        const name = html.slice(start, endIndex).toLowerCase();
        if (FOREIGN.has(name) || INTEGRATION.has(name)) foreign.pop();
        if (VOID.has(name) || !(open.get(name)! > 0)) return;
        while (stack[stack.length - 1] !== name) pop();
        pop();
      },
      onattribdata: ignore,
      onattribentity: ignore,
      onattribend: ignore,
      onattribname: ignore,
      oncdata: ignore,
      oncomment: ignore,
      ondeclaration: ignore,
      onend: ignore,
      onprocessinginstruction: ignore,
      ontext: ignore,
      ontextentity: ignore,
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  if (dropped.length === 0) return html;
  const parts: string[] = [];
  let copied = 0;
  for (const [start, stop] of dropped) {
    parts.push(html.slice(copied, start), ' ');
    copied = stop;
  }
  parts.push(html.slice(copied));
  return parts.join('');
}

/** Elements whose contents htmlparser2 reads as text up to their closing tag. */
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp']);

// htmlparser2 10's tables (src/Parser.ts): elements that never open a level, the open elements
// an opening tag closes first, and the elements that start and end foreign content.
const FOREIGN = new Set(['math', 'svg']);
const INTEGRATION = new Set('mi mo mn ms mtext annotation-xml foreignobject desc title'.split(' '));
const VOID = new Set(
  'area base basefont br col command embed frame hr img input isindex keygen link meta param source track wbr'.split(
    ' ',
  ),
);
const P = new Set(['p']);
const FORM = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const TABLE_SECTION = new Set(['thead', 'tbody']);
const DD_DT = new Set(['dd', 'dt']);
const RT_RP = new Set(['rt', 'rp']);
const IMPLIED_CLOSE = new Map<string, Set<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['li', new Set(['li'])],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', DD_DT],
  ['dt', DD_DT],
  ['rt', RT_RP],
  ['rp', RT_RP],
  ['tbody', TABLE_SECTION],
  ['tfoot', TABLE_SECTION],
  ...['select', 'input', 'output', 'button', 'datalist', 'textarea'].map(
    (name): [string, Set<string>] => [name, FORM],
  ),
  ...(
    'p h1 h2 h3 h4 h5 h6 address article aside blockquote details div dl fieldset figcaption ' +
    'figure footer form header hr main nav ol pre section table ul'
  )
    .split(' ')
    .map((name): [string, Set<string>] => [name, P]),
]);
