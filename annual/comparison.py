"""Two reports side by side, as a reviewer reads them: what changed since last year, and which
text was copied (内容雷同).

- `compare(a, b)`: every value cell of 二, 三 and 四 that differs, with its change, and each
  narrative section's similarity, paragraph by paragraph (difflib). Reports of different template
  versions compare the cells they share, and say so.
- `unusual_change(kind, last, this)`: why a cell's change passes the thresholds below (the
  rules' `year_on_year` warnings).
- `copied(text, sources)`: the share of a section's text that also stands in another report,
  statutory boilerplate excluded (the rules' `copied_text` warnings; `copied_across` for a county).

Thresholds, and how they were set (README, 校验规则, repeats them):
- YOY_FACTOR = 10: a count that grew or fell tenfold, from at least YOY_FLOOR on the larger
  side, is worth a sentence of explanation; below that floor (3 → 30 applications) real offices
  swing that much from year to year. A sign flip of a 2019 本年增/减 figure (both non-zero) too.
- COPIED_THRESHOLD = 0.5: half of a section's text found word for word in the other report.
  Sections of two different years of the same office written afresh share their fixed phrases
  (「（一）主动公开情况」, 「依申请公开」…), which the 12-character shingles and the boilerplate list
  keep well below 0.2 on the seed and the demo reports; a section carried over with dates and
  figures changed scores above 0.8. 0.5 sits between the two with room on both sides.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from . import template_spec as spec
from .document import value_at

YOY_FACTOR = 10
YOY_FLOOR = 20
COPIED_THRESHOLD = 0.5
# Characters per shingle: long enough that a shared shingle is a shared phrase, not a shared word.
SHINGLE = 12

NARRATIVE_KEYS = spec.TEXT_FIELDS


# --- Cells ------------------------------------------------------------------------------------


def _number(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return Decimal(value) if isinstance(value, str) else Decimal(int(value))


def _plain(value: Decimal, kind: str) -> int | str:
    """A difference as the document writes values: an integer, or a decimal string for money."""
    return f"{value:f}" if kind == spec.MONEY else int(value)


def shared_paths(a: dict, b: dict) -> list[tuple[str, str]]:
    """(path, kind) of the value cells both reports' templates have, in `b`'s order."""
    theirs = {path for path, _ in spec.value_cells(a["template"])}
    return [(path, kind) for path, kind in spec.value_cells(b["template"]) if path in theirs]


def cell_changes(a: dict, b: dict) -> list[dict]:
    """Every value cell that differs: {"path", "a", "b", "delta", "ratio"} (b against a)."""
    changes = []
    for path, kind in shared_paths(a, b):
        va, vb = value_at(a, path), value_at(b, path)
        if va == vb:
            continue
        na, nb = _number(va), _number(vb)
        delta = _plain(nb - na, kind) if na is not None and nb is not None else None
        ratio = round(float(nb / na), 4) if na and nb is not None else None
        changes.append({"path": path, "a": va, "b": vb, "delta": delta, "ratio": ratio})
    return changes


# --- Narrative --------------------------------------------------------------------------------


def paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text or "") if p.strip()]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class ParagraphDiff:
    """One aligned pair of paragraphs (either may be absent) and whether they differ."""

    a: str | None
    b: str | None
    similarity: float

    @property
    def changed(self) -> bool:
        return self.a is None or self.b is None or _squeeze(self.a) != _squeeze(self.b)


def align(a: str | None, b: str | None) -> list[ParagraphDiff]:
    """The paragraphs of two texts aligned by difflib: equal ones paired, replaced ones paired
    in order, inserted and deleted ones alone."""
    pa, pb = paragraphs(a), paragraphs(b)
    matcher = difflib.SequenceMatcher(a=[_squeeze(p) for p in pa], b=[_squeeze(p) for p in pb], autojunk=False)
    pairs: list[ParagraphDiff] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = pa[i1:i2], pb[j1:j2]
        if tag == "equal":
            pairs += [ParagraphDiff(x, y, 1.0) for x, y in zip(left, right, strict=True)]
            continue
        for k in range(max(len(left), len(right))):
            x = left[k] if k < len(left) else None
            y = right[k] if k < len(right) else None
            pairs.append(ParagraphDiff(x, y, similarity(x, y)))
    return pairs


def similarity(a: str | None, b: str | None) -> float:
    """difflib's ratio of two texts, whitespace ignored (1.0 for two empty texts)."""
    sa, sb = _squeeze(a or ""), _squeeze(b or "")
    if not sa and not sb:
        return 1.0
    return round(difflib.SequenceMatcher(a=sa, b=sb, autojunk=False).ratio(), 4)


def section_changes(a: dict, b: dict) -> list[dict]:
    return [
        {
            "key": key,
            "similarity": similarity(a.get(key), b.get(key)),
            "changed_paragraphs": sum(p.changed for p in align(a.get(key), b.get(key))),
        }
        for key in NARRATIVE_KEYS
    ]


def compare(a: dict, b: dict) -> dict:
    """The `compare_reports` document (spec/report-json.md)."""
    result: dict = {
        "a": {k: a[k] for k in ("agency", "year", "template")},
        "b": {k: b[k] for k in ("agency", "year", "template")},
        "cells": cell_changes(a, b),
        "sections": section_changes(a, b),
    }
    if a["template"] != b["template"]:
        result["note"] = template_note(a, b)
    return result


def template_note(a: dict, b: dict) -> str:
    return f"两份报告的模板版本不同（{a['template']} 年版与 {b['template']} 年版），只比较两者共有的单元格"


# --- Year-on-year warnings ----------------------------------------------------------------------


def unusual_change(kind: str, last, this) -> str:
    """Why the change from `last` to `this` deserves an explanation ("" when it does not)."""
    na, nb = _number(last), _number(this)
    if na is None or nb is None:
        return ""
    if kind == spec.SIGNED and na * nb < 0:
        return "正负号与上年相反"
    small, large = sorted((abs(na), abs(nb)))
    if large >= YOY_FLOOR and (small == 0 or large / small >= YOY_FACTOR):
        return f"变化超过 {YOY_FACTOR} 倍" if small else "由 0 变为较大的数"
    return ""


# --- 内容雷同 -----------------------------------------------------------------------------------

# Text every report must or usually does contain: it never counts as copied. The section
# headings come from the spec; the rest are the statutory phrases of the opening paragraph.
BOILERPLATE = (
    *(s.heading for s in spec.SECTIONS),
    *(s.title for s in spec.SECTIONS),
    "根据《中华人民共和国政府信息公开条例》",
    "《中华人民共和国政府信息公开条例》（以下简称《条例》）",
    "国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知",
    "国务院办公厅政府信息公开办公室关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知",
    "中华人民共和国政府信息公开工作年度报告格式",
    "本报告所列数据的统计期限自",
    "本报告所列数据的统计期限从",
    "本报告中所列数据的统计期限",
    "如对本报告有任何疑问，请与",
    "如对本年度报告有疑问",
    "政府信息公开工作年度报告",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
)

_PUNCT = re.compile(r"[\s，,。.；;：:、！!？?“”\"‘’'（）()《》<>〈〉【】\[\]—\-－·]+")


def _normal(text: str) -> str:
    """Compared without spaces and punctuation, and with half-width digits and letters."""
    return _PUNCT.sub("", _halfwidth(text))


def _halfwidth(text: str) -> str:
    return "".join(chr(ord(ch) - 0xFEE0) if "！" <= ch <= "～" else ch for ch in text)


_BOILERPLATE_TEXT = tuple(_normal(b) for b in BOILERPLATE)


def shingles(text: str) -> set[str]:
    return _grams(_normal(text))


def _grams(norm: str) -> set[str]:
    return {norm[i : i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}


def _boilerplate_mask(norm: str) -> list[bool]:
    mask = [False] * len(norm)
    for phrase in _BOILERPLATE_TEXT:
        if not phrase:
            continue
        start = norm.find(phrase)
        while start != -1:
            for i in range(start, start + len(phrase)):
                mask[i] = True
            start = norm.find(phrase, start + 1)
    return mask


@dataclass(frozen=True)
class Copied:
    """How much of a text stands elsewhere: the share (0–1) of its characters, boilerplate
    excluded, and the character spans (in the normalised text) that do."""

    share: float
    spans: tuple[tuple[int, int], ...]


def copied(text: str | None, sources: Iterable[set[str]]) -> Copied:
    """The share of `text` covered by shingles that also occur in any of `sources` (shingle
    sets of other texts), not counting boilerplate characters."""
    return _covered(_normal(text or ""), set().union(*sources))


def _covered(norm: str, pool: set[str]) -> Copied:
    mask = _boilerplate_mask(norm)
    counted = len(norm) - sum(mask)
    if counted < SHINGLE:
        return Copied(0.0, ())
    # Each shared shingle covers SHINGLE characters: +1 where it starts, −1 where it ends.
    edges = [0] * (len(norm) + 1)
    for i in range(len(norm) - SHINGLE + 1):
        if norm[i : i + SHINGLE] in pool:
            edges[i] += 1
            edges[i + SHINGLE] -= 1
    hits, depth, start = 0, 0, None
    spans = []
    for i in range(len(norm) + 1):
        depth += edges[i]
        inside = depth > 0 and i < len(norm)
        if inside and not mask[i]:
            hits += 1
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            spans.append((start, i))
            start = None
    return Copied(round(hits / counted, 4), tuple(spans))


# --- 内容雷同 across a county: every report's sections against every other report -------------------


@dataclass(frozen=True)
class SectionCopy:
    """A section's copied share and the report it shares most with (None when nothing)."""

    share: float
    source: str | None
    spans: tuple[tuple[int, int], ...]


def copied_across(
    reports: dict[str, dict], pairs: Iterable[tuple[str, str]] | None = None
) -> dict[str, dict[str, SectionCopy]]:
    """For each report (by a key the caller chooses, e.g. agency and year) and each narrative
    section: the share of its text that stands in any *other* report of `reports` — or, when
    `pairs` is given (`candidate_pairs` at province scale), in any report it is paired with.

    Shingles are made once per report and looked up in one inverted index, so a county (60
    reports) takes a fraction of a second.
    """
    normal = {key: {k: _normal(doc.get(k) or "") for k in NARRATIVE_KEYS} for key, doc in reports.items()}
    grams = {key: {k: _grams(t) for k, t in texts.items()} for key, texts in normal.items()}
    whole = {key: set().union(*sections.values()) for key, sections in grams.items()}
    owners: dict[str, list[str]] = {}
    neighbours: dict[str, set[str]] = {key: set() for key in reports}
    if pairs is None:
        for key, held in whole.items():
            for sh in held:
                owners.setdefault(sh, []).append(key)
    else:
        for a, b in pairs:
            neighbours[a].add(b)
            neighbours[b].add(a)
    result: dict[str, dict[str, SectionCopy]] = {}
    for key in reports:
        if pairs is None:
            pool = {sh for sh in whole[key] if len(owners[sh]) > 1}
        else:
            pool = whole[key] & set().union(*(whole[n] for n in neighbours[key]))
        sections = {}
        for section, norm in normal[key].items():
            shared = grams[key][section] & pool
            found = _covered(norm, shared)
            sections[section] = SectionCopy(found.share, _source(key, shared, owners, neighbours, whole), found.spans)
        result[key] = sections
    return result


def _source(key, shared, owners, neighbours, whole) -> str | None:
    """The other report that holds most of `shared` (ties: the first key in order)."""
    if not shared:
        return None
    if owners:
        tally = Counter(chain.from_iterable(owners[sh] for sh in shared))
        del tally[key]
    else:
        tally = Counter({n: len(shared & whole[n]) for n in neighbours[key]})
    return min(tally, key=lambda k: (-tally[k], k)) if tally else None


def candidate_pairs(reports: dict[str, dict], *, threshold: float = 0.3, num_perm: int = 64) -> set[tuple[str, str]]:
    """Pairs of reports whose texts are similar enough to compare exactly, by MinHash LSH
    (datasketch): at province scale (thousands of reports) all pairs would be millions."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes = {}
    for key, doc in reports.items():
        # Python's own string hash: consistent within this process, which is all LSH needs here,
        # and far faster than datasketch's default SHA-1 per shingle.
        m = MinHash(num_perm=num_perm, hashfunc=_hash)
        m.update_batch(list(shingles("\n".join(doc.get(k) or "" for k in NARRATIVE_KEYS))))
        hashes[key] = m
        lsh.insert(key, m)
    pairs = set()
    for key, m in hashes.items():
        for other in lsh.query(m):
            if other != key:
                pairs.add((min(key, other), max(key, other)))
    return pairs


def _hash(shingle: str) -> int:
    return hash(shingle) & 0xFFFFFFFF
