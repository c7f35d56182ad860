#!/usr/bin/env python3
"""check_links: every relative link of README.md and docs/*.md resolves.

A link [text](target) outside code is checked when its target is not a URL:
the file (or folder) must exist relative to the page, and a #fragment must be
the anchor GitHub gives one of the target page's headings (lowercased,
punctuation but '-' and '_' dropped, spaces as '-', a repeated heading
suffixed -1, -2, ...). README.md must be at most MAX_README lines.

usage: check_links.py ROOT          check ROOT/README.md and ROOT/docs/*.md
       check_links.py --self-test   the checker finds what it must find
Exit 0 when all is well, 1 listing each problem, 99 on a setup error."""
import os
import re
import sys
import tempfile

MAX_README = 300
FENCE = re.compile(r'^ {0,3}(`{3,}|~{3,})')
HEADING = re.compile(r'^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$')
# [text](target) and ![alt](target), with an optional "title"
LINK = re.compile(r'!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)')
CODE_SPAN = re.compile(r'(`+)(.+?)\1')


def outside_code(lines):
    """(line number, text) of the lines outside fenced code blocks."""
    fence = None
    for n, line in enumerate(lines, 1):
        m = FENCE.match(line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        if fence is None:
            yield n, line


def slug(text):
    """The anchor GitHub derives from a heading's text."""
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', text)  # a link keeps its text
    text = re.sub(r'<[^>]+>', '', text)                    # inline HTML tags go
    text = text.lower()
    text = ''.join(c for c in text if c.isalnum() or c in '-_ ')
    return text.replace(' ', '-')


def anchors(path):
    seen = {}
    out = set()
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    for _, line in outside_code(lines):
        m = HEADING.match(line)
        if not m:
            continue
        s = slug(m.group(2))
        n = seen.get(s, 0)
        seen[s] = n + 1
        out.add(s if n == 0 else '%s-%d' % (s, n))
    return out


def check_page(path, cache):
    problems = []
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    base = os.path.dirname(path)
    for n, line in outside_code(lines):
        line = CODE_SPAN.sub('', line)
        for m in LINK.finditer(line):
            target = m.group(1)
            if not target or re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*:', target):
                continue  # a URL (https:, mailto:) is not checked here
            file_part, _, frag = target.partition('#')
            dest = os.path.normpath(os.path.join(base, file_part)) if file_part else path
            where = '%s:%d: %s' % (path, n, target)
            if not os.path.exists(dest):
                problems.append('%s: no such file' % where)
                continue
            if not frag:
                continue
            if not dest.endswith('.md') or os.path.isdir(dest):
                problems.append('%s: anchor into a page that is not markdown' % where)
                continue
            if dest not in cache:
                cache[dest] = anchors(dest)
            if frag not in cache[dest]:
                problems.append('%s: no heading with anchor #%s' % (where, frag))
    return problems


def check(root):
    readme = os.path.join(root, 'README.md')
    docs = os.path.join(root, 'docs')
    if not os.path.isfile(readme) or not os.path.isdir(docs):
        print('no README.md or docs/ under %s' % root)
        return 99
    pages = [readme] + sorted(os.path.join(docs, p) for p in os.listdir(docs)
                              if p.endswith('.md'))
    problems = []
    cache = {}
    for p in pages:
        problems += check_page(p, cache)
    with open(readme, encoding='utf-8') as f:
        n = len(f.read().splitlines())
    if n > MAX_README:
        problems.append('%s: %d lines, more than %d' % (readme, n, MAX_README))
    for p in problems:
        print('FAIL: ' + p)
    if not problems:
        print('ok: %d pages, links resolve, README.md has %d lines' % (len(pages), n))
    return 1 if problems else 0


def self_test():
    """The checker passes a good tree and reports each kind of bad link."""
    good_readme = ('# T\n\nSee [a](docs/a.md), [b](docs/a.md#the-b-part-c), '
                   '[again](docs/a.md#keys-1), [web](https://example.org/x#y), '
                   '[top](#t), `[not](a-link.md)`.\n\n```\n[in code](nowhere.md)\n```\n')
    good_a = ('# A\n\n## The *B* part (`c`)\n\n### Keys\n\n### Keys\n\n'
              '```sh\n# not a heading\n```\n\nBack to [the readme](../README.md#t).\n')
    cases = [
        ('good', good_readme, good_a, 0),
        ('missing file', good_readme + '[x](docs/gone.md)\n', good_a, 1),
        ('missing anchor', good_readme + '[x](docs/a.md#keys-2)\n', good_a, 1),
        ('heading in code is no anchor', good_readme + '[x](docs/a.md#not-a-heading)\n',
         good_a, 1),
        ('own anchor', good_readme + '[x](#nothing-here)\n', good_a, 1),
        ('relative from docs', good_readme, good_a + '[x](README.md)\n', 1),
        ('long README', good_readme + 'line\n' * MAX_README, good_a, 1),
        ('hostile bytes', good_readme + '[\x1b[2J](docs/a.md#\u202e)\n', good_a, 1),
    ]
    failed = 0
    for name, readme, a, want in cases:
        with tempfile.TemporaryDirectory() as t:
            os.mkdir(os.path.join(t, 'docs'))
            with open(os.path.join(t, 'README.md'), 'w', encoding='utf-8') as f:
                f.write(readme)
            with open(os.path.join(t, 'docs', 'a.md'), 'w', encoding='utf-8') as f:
                f.write(a)
            saved = sys.stdout
            sys.stdout = open(os.devnull, 'w')
            try:
                got = check(t)
            finally:
                sys.stdout.close()
                sys.stdout = saved
        if got != want:
            print('FAIL: self-test %s: exit %d, want %d' % (name, got, want))
            failed += 1
    if not failed:
        print('ok: self-test, %d cases' % len(cases))
    return 1 if failed else 0


if __name__ == '__main__':
    if sys.argv[1:] == ['--self-test']:
        sys.exit(self_test())
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(99)
    sys.exit(check(sys.argv[1]))
