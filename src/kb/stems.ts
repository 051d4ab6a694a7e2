// Shared by retrieval-side analysis (knowledge gaps) and the drafting step's sentence scoring.
const STOP = new Set(
  `a an the and or but if then than so to of in on at by for with from as is are was were be been being am do does did have has had i me my we our you your he she it its they them their this that these those there here what which who whom how when where why can could would should will shall may might must not no yes please hi hello hey thanks thank also just get got want need like any some all about into out up down over only very too more most other such own same few each both again once further per via let lets im ive dont cant wont ill id`.split(
    ' ',
  ),
);

/** Lower-cased word stems (plural s dropped, then a 5-letter prefix: -ing, -ed, -ation forms). */
export function stems(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (word.length < 3 || STOP.has(word)) continue;
    // Plural s first: "cards" and "card" share no 5-letter prefix otherwise.
    const singular =
      word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
    out.add(singular.slice(0, 5));
  }
  return out;
}
