#!/usr/bin/env python3
"""List candidate "is this a question?" items in markdown notes.

Used to build tests/truth/questions.tsv (a hand-labelled truth set). The script
only *finds* candidates; the Q/N labels in the TSV were assigned by hand.

Candidates (outside YAML/TOML front matter, fenced code and `$$` display math):

  heading   every ATX heading `#`..`######` with text, indented 0-3 columns,
            including the malformed form without a space (`##7. xxx`) and a
            heading that is the content of a list item (`+  #### YOLO_V4`).
  list      a list item (`-`, `*`, `+`, `1.`, `1)`; any depth) whose text starts
            with `**` or contains `?`/`？`; and every item of a list (the
            sibling items under one parent in one list block) that sits in a
            heading's section and whose items are mostly (at least half) short
            (text on the item's line < 80 characters) -- bare question lists.
  (A leading no-break space counts as indentation, as a reader sees it.)
  bold-para a paragraph (not a list item/heading/quote/table) whose first line
            starts with `**`, also when it continues a list item.

Usage:
  extract_candidates.py [--root /work/shared] [--text] FILE_OR_DIR...
  extract_candidates.py --sample [--root /work/shared]

Output: TSV `path<TAB>line<TAB>kind` (path relative to --root, 1-based line),
sorted by path and line.  `--text` appends the item text as a 4th column for
reading while labelling (never commit that column).  `--sample` prints the
seeded (seed 12) stratified sample used for the truth set.
"""
import argparse
import os
import random
import re
import sys

SHORT = 80  # characters (not bytes)

FENCE_RE = re.compile(r'^[ \t]*(`{3,}|~{3,})(.*)$')
HEADING_RE = re.compile(r'^ {0,3}(#{1,6})(?:[ \t]+|(?=[^#\s]))(.*?)$')
LIST_RE = re.compile(r'^([ \t\u00a0]*)([-*+]|\d{1,9}[.)])([ \t]+|$)(.*)$')
THEMATIC_RE = re.compile(r'^ {0,3}((\*[ \t]*){3,}|(-[ \t]*){3,}|(_[ \t]*){3,})$')
LIST_HEADING_RE = re.compile(r'^#{1,6}[ \t]+\S')


def expand_indent(ws):
    col = 0
    for ch in ws:
        col = col + 4 - (col % 4) if ch == '\t' else col + 1
    return col


def leading(line):
    return expand_indent(line[:len(line) - len(line.lstrip(' \t\u00a0'))])


def clean_heading_text(t):
    t = t.strip()
    t = re.sub(r'[ \t]+#+[ \t]*$', '', t)  # closing #s
    return t.strip()


def masked_lines(lines):
    """Yield (lineno, line, skipped) where skipped marks front matter, fences, $$ math."""
    n = len(lines)
    i = 0
    out = []
    # front matter
    if n and lines[0].rstrip() in ('---', '+++'):
        delim = lines[0].rstrip()
        for j in range(1, n):
            if lines[j].rstrip() in (delim, '...'):
                for k in range(0, j + 1):
                    out.append((k + 1, lines[k], True))
                i = j + 1
                break
    fence = None  # (char, length)
    in_math = False
    while i < n:
        line = lines[i]
        s = line.strip()
        if fence is not None:
            m = FENCE_RE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1] and not m.group(2).strip():
                fence = None
            out.append((i + 1, line, True))
        elif in_math:
            if s.endswith('$$'):
                in_math = False
            out.append((i + 1, line, True))
        else:
            m = FENCE_RE.match(line)
            if m and not (m.group(1)[0] == '`' and '`' in m.group(2)):
                fence = (m.group(1)[0], len(m.group(1)))
                out.append((i + 1, line, True))
            elif s.startswith('$$'):
                if s == '$$' or not s[2:].rstrip().endswith('$$'):
                    in_math = True
                out.append((i + 1, line, True))
            else:
                out.append((i + 1, line, False))
        i += 1
    return out


def candidates(lines):
    """Return list of (lineno, kind, text)."""
    found = {}
    items = []          # dicts: line, text, group, short
    groups = {}         # group key -> list of item indexes
    seen_heading = False
    block_id = 0
    in_block = False
    stack = []          # (content_col, item_index)
    prev_blank = True
    prev_kind = 'start'  # start/blank/heading/list/para/skip/quote
    for lineno, line, skipped in masked_lines(lines):
        s = line.strip()
        if skipped:
            # a fence/math inside a list item keeps the list block open
            if in_block and stack and leading(line) >= stack[0][0] - 1:
                pass
            elif s:
                in_block = False
                stack = []
            prev_kind = 'skip'
            prev_blank = False
            continue
        if not s:
            prev_blank = True
            prev_kind = 'blank' if prev_kind != 'list' else 'list-blank'
            continue
        ind = leading(line)
        hm = HEADING_RE.match(line)
        if hm and clean_heading_text(hm.group(2)):
            found[lineno] = ('heading', clean_heading_text(hm.group(2)))
            seen_heading = True
            in_block = False
            stack = []
            prev_kind = 'heading'
            prev_blank = False
            continue
        lm = LIST_RE.match(line)
        if lm and not THEMATIC_RE.match(line) and not (lm.group(2)[0].isdigit() and ind >= 4 and not in_block):
            text = lm.group(4).strip()
            mcol = expand_indent(lm.group(1))
            content_col = mcol + len(lm.group(2)) + max(1, len(lm.group(3)))
            if not in_block:
                block_id += 1
                in_block = True
                stack = []
            while stack and mcol < stack[-1][0]:
                stack.pop()
            parent = stack[-1][1] if stack else None
            idx = len(items)
            if LIST_HEADING_RE.match(text):
                found[lineno] = ('heading', clean_heading_text(text.lstrip('#')))
                seen_heading = True
            elif text:
                if text.startswith('**') or '?' in text or '？' in text:
                    found[lineno] = ('list', text)
            key = (block_id, parent)
            items.append({'line': lineno, 'text': text, 'key': key,
                          'short': 0 < len(text) < SHORT, 'in_section': seen_heading,
                          'heading_item': bool(LIST_HEADING_RE.match(text))})
            groups.setdefault(key, []).append(idx)
            stack.append((content_col, idx))
            prev_kind = 'list'
            prev_blank = False
            continue
        # paragraph / quote / table / html line
        if in_block and stack:
            top_col = stack[0][0]
            lazy = not prev_blank
            if ind < top_col and not lazy:
                in_block = False
                stack = []
        is_para_start = prev_blank or prev_kind in ('start', 'heading', 'skip')
        if is_para_start and s.startswith('**') and not s.startswith('***') \
                and not (ind >= 4 and not in_block):
            found[lineno] = ('bold-para', s)
        prev_kind = 'para'
        prev_blank = False

    # short bare lists
    for key, idxs in groups.items():
        its = [items[i] for i in idxs if not items[i]['heading_item']]
        if not its:
            continue
        if not all(it['in_section'] for it in its):
            continue
        n_short = sum(1 for it in its if it['short'])
        if n_short * 2 < len(its):
            continue
        for it in its:
            if it['text'] and it['line'] not in found:
                found[it['line']] = ('list', it['text'])
    return sorted((ln, k, t) for ln, (k, t) in found.items())


def iter_md(paths):
    for p in paths:
        if os.path.isdir(p):
            for dp, dn, fn in os.walk(p):
                dn.sort()
                for f in sorted(fn):
                    if f.endswith('.md'):
                        yield os.path.join(dp, f)
        else:
            yield p


def extract(paths, root):
    rows = []
    for p in iter_md(paths):
        with open(p, encoding='utf-8') as fh:
            lines = fh.read().split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        rel = os.path.relpath(os.path.abspath(p), os.path.abspath(root))
        for ln, kind, text in candidates(lines):
            rows.append((rel, ln, kind, text))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


INTERROGATIVE_RE = re.compile(r'[?？]|为什么|怎么|如何|什么|吗|哪|是否|\b(why|how|what)\b', re.I)


def stratified_sample(root, seed=12, per_corpus=160, quotas=(('bold-para', 30), ('list', 60))):
    """All sample candidates + a seeded (seed 12) stratified sample of each corpus.

    Strata per corpus: (1) every candidate whose text has a question mark or an
    interrogative word (rare in the textbooks, so all are kept: they hold the
    exercises and the look-alike statements); (2) up to 30 bold paragraphs and
    up to 60 list items drawn at random from the rest; (3) headings drawn at
    random to fill the corpus up to per_corpus items.
    """
    rng = random.Random(seed)
    out = extract([os.path.join(root, 'samples')], root)
    out = [r for r in out if r[0].endswith('.md') and os.path.basename(r[0]) != 'README.md']
    for corpus in ('corpora/dive-into-dl-pytorch/docs', 'corpora/pumpkin-book/docs'):
        rows = extract([os.path.join(root, corpus)], root)
        picked = [r for r in rows if INTERROGATIVE_RE.search(r[3])]
        taken = set((r[0], r[1]) for r in picked)
        by_kind = {}
        for r in rows:
            if (r[0], r[1]) not in taken:
                by_kind.setdefault(r[2], []).append(r)
        for kind, q in quotas:
            pool = by_kind.get(kind, [])
            picked += rng.sample(pool, min(q, len(pool)))
        pool = by_kind.get('heading', [])
        picked += rng.sample(pool, max(0, min(per_corpus - len(picked), len(pool))))
        out += sorted(picked, key=lambda r: (r[0], r[1]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('paths', nargs='*')
    ap.add_argument('--root', default='/work/shared')
    ap.add_argument('--text', action='store_true', help='append item text (for reading only)')
    ap.add_argument('--sample', action='store_true', help='print the seeded stratified sample')
    a = ap.parse_args()
    rows = stratified_sample(a.root) if a.sample else extract(a.paths, a.root)
    w = sys.stdout.write
    for path, ln, kind, text in rows:
        w(f'{path}\t{ln}\t{kind}' + (f'\t{text}' if a.text else '') + '\n')


if __name__ == '__main__':
    main()
