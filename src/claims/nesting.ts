// How deep a YAML text nests, found by one linear scan before the text reaches the YAML parser: the
// parser (and the regular expressions it compiles) takes memory and time that grow with the nesting,
// so that an 800 KB file of `[[[…]]]` took 580 MB and two such files exhausted the heap. The scan
// errs on the side of counting: a bracket it cannot tell is inside a string counts as nesting. It
// bounds the number of nodes too (lines and flow entries): a flat file of 450 000 values took 590 MB,
// 40 000 keys of one mapping 48 s.

/** The deepest nesting a claim or paper file may have: flow collections ([ ], { }) and block levels (indentation, `- - -`), each. */
export const MAX_YAML_DEPTH = 64;

/** The most nodes (scalars, collections, entries; counted as lines and flow separators) a claim or paper file may have: a legit file has under a thousand, a 10 000-value grid about 10 000. */
export const MAX_YAML_NODES = 50_000;

/** The most mapping keys a claim or paper file may have (the parser checks a mapping's keys pairwise: 50 000 keys took 36 s; a legit file has a few hundred). */
export const MAX_YAML_KEYS = 5_000;

const isBlank = (c: string | undefined) => c === undefined || c === ' ' || c === '\t' || c === '\r' || c === '\n';

/**
 * Where a YAML text first nests deeper than MAX_YAML_DEPTH, as a character offset and what nests,
 * or undefined. Flow collections are counted from a `[` or `{` that starts a value (after `key:`, `-`,
 * at a line's start, after properties) through every bracket until the collection closes, quoted
 * strings inside skipped; block levels are the indentation levels open at a line plus its compact
 * `- ` / `? ` indicators. Comments, quoted scalars and block scalars (`|`, `>`) are skipped.
 */
export function yamlNestingError(text: string, max = MAX_YAML_DEPTH, maxNodes = MAX_YAML_NODES): { offset: number; message: string } | undefined {
  const n = text.length;
  let nodes = 0;
  const tooMany = (offset: number) => ({ offset, message: `more than ${maxNodes} values (lines and list or mapping entries): not a claim file` });
  let keys = 0;
  const tooManyKeys = (offset: number) => ({ offset, message: `more than ${MAX_YAML_KEYS} mapping keys: not a claim file` });
  const indents: number[] = []; // the block levels open at the current line: their indentation columns
  let i = 0;
  let flow = 0; // open flow collections
  let flowNodeStart = false; // in a flow collection, at a place where a quoted scalar may start
  let valueStart = false; // in block context, at a place where a value may start
  let lineIndent = 0;
  let scalarIndent = -1; // inside a block scalar: lines indented more than this are its text
  let atLine = true;
  const eol = (k: number) => {
    const e = text.indexOf('\n', k);
    return e < 0 ? n : e;
  };
  /** The offset after the quoted scalar that starts at k (to the end of the text when it is not closed). */
  const skipQuoted = (k: number): number => {
    const q = text[k];
    for (let j = k + 1; j < n; j++) {
      const c = text[j];
      if (q === '"' && c === '\\') j++;
      else if (c === q) {
        if (q === "'" && text[j + 1] === "'") j++;
        else return j + 1;
      }
    }
    return n;
  };
  while (i < n) {
    if (atLine) {
      atLine = false;
      if (flow === 0) {
        let j = i;
        while (text[j] === ' ') j++;
        const indent = j - i;
        const c = text[j];
        const blank = j >= n || c === '\n' || c === '\r' || c === '#' || (c === '\t' && text.slice(j, eol(j)).trim() === '');
        if (scalarIndent >= 0 && (blank || indent > scalarIndent)) {
          i = eol(j) + 1;
          atLine = true;
          continue;
        }
        scalarIndent = -1;
        if (blank) {
          i = eol(j) + 1;
          atLine = true;
          continue;
        }
        if (++nodes > maxNodes) return tooMany(j);
        while (indents.length && indents[indents.length - 1] >= indent) indents.pop();
        indents.push(indent);
        lineIndent = indent;
        let compact = 0;
        while ((text[j] === '-' || text[j] === '?' || text[j] === ':') && isBlank(text[j + 1]) && text[j + 1] !== '\n') {
          if (indents.length + ++compact > max) return { offset: j, message: `nested more than ${max} block levels deep (indentation and "- " items)` };
          j++;
          while (text[j] === ' ' || text[j] === '\t') j++;
        }
        if (indents.length > max) return { offset: j, message: `nested more than ${max} block levels deep (indentation and "- " items)` };
        i = j;
        valueStart = true;
        continue;
      }
    }
    const c = text[i];
    if (c === '\n') {
      i++;
      atLine = true;
      continue;
    }
    if (flow > 0) {
      if ((c === '"' || c === "'") && flowNodeStart) {
        i = skipQuoted(i);
        flowNodeStart = false;
        continue;
      }
      if (c === '#' && isBlank(text[i - 1])) {
        i = eol(i);
        continue;
      }
      if (c === '[' || c === '{') {
        if (++flow > max) return { offset: i, message: `nested more than ${max} flow collections ([ ] or { }) deep` };
        flowNodeStart = true;
      } else if (c === ']' || c === '}') {
        flow--;
        flowNodeStart = false;
        if (++nodes > maxNodes) return tooMany(i);
      } else if (c === ',' || c === '?' || c === ':') {
        // every ':' counts as a key (a JSON-style "k":v has no blank after it)
        if (c === ':' && ++keys > MAX_YAML_KEYS) return tooManyKeys(i);
        if (c === ',' && ++nodes > maxNodes) return tooMany(i);
        flowNodeStart = c !== ':' || isBlank(text[i + 1]);
      }
      else if (!isBlank(c)) flowNodeStart = false;
      i++;
      continue;
    }
    // block context, inside a line
    if (valueStart) {
      if (c === ' ' || c === '\t' || c === '\r') {
        i++;
        continue;
      }
      if (c === '&' || c === '!') {
        // an anchor or a tag: the value follows
        while (i < n && !isBlank(text[i])) i++;
        continue;
      }
      valueStart = false;
      if (c === '[' || c === '{') {
        flow = 1;
        if (++nodes > maxNodes) return tooMany(i);
        flowNodeStart = true;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        i = skipQuoted(i);
        continue;
      }
      if (c === '|' || c === '>') {
        scalarIndent = lineIndent;
        i = eol(i);
        continue;
      }
    }
    if (c === '#' && isBlank(text[i - 1])) {
      i = eol(i);
      continue;
    }
    if (c === ':' && isBlank(text[i + 1])) {
      if (++keys > MAX_YAML_KEYS) return tooManyKeys(i);
      valueStart = true;
    }
    i++;
  }
  return undefined;
}
