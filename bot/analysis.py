"""The one tokenizer, shared by the index and the query side.

``Analyzer`` turns text into index terms: accent folding, lowercase, our stopword list, Snowball
stemming. Its settings are saved in the index manifest and the query side is rebuilt from them.
``QueryExpander`` adds, on the query side only, what a patient's words mean in the corpus's words:
brand and generic names, everyday and clinical words, and spelling corrected against the index
vocabulary (RapidFuzz).
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from nltk.stem.snowball import SnowballStemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA
from wordfreq import zipf_frequency

DATA_DIR = Path(__file__).resolve().parent / "data"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"
LAY_TERMS_FILE = DATA_DIR / "lay_terms.tsv"
BRAND_NAMES_FILE = DATA_DIR / "brand_names.tsv"
IRREGULAR_FORMS_FILE = DATA_DIR / "irregular_forms.tsv"
FRAME_WORDS_FILE = DATA_DIR / "frame_words.txt"
ASPECT_WORDS_FILE = DATA_DIR / "aspect_words.txt"
# a word the stemmer keeps apart from its relatives ("tingly", "tingling") is matched to a corpus word
# that begins with the same ROOT_LETTERS or more and differs from it only in common English endings
# ("-er" is left out: a counter is not a count)
ROOT_LETTERS = 5
# A word English writing uses this often (wordfreq's zipf: "crushing" 3.8, "crusty" 3.0) is what the user
# meant, not a misspelling of a page word ("crusting"); "humera" (1.2) is read as the pages' "humira".
MISSPELLING_MAX_ZIPF = 2.5
LONG_WORD_LETTERS = 8  # from here a misspelling may be two edits away
ENDINGS = frozenset("|e|s|es|ed|ing|ings|or|ors|y|ly|ies|ied|ion|ions|ness|ity|al|ic|ive|ment|ments".split("|"))
FRAME_WEIGHT = 0.5  # "side effects", "given": they rank passages, but the subject ("BCG") matters more

_WORD = re.compile(r"[a-z0-9]+")
_SURFACE_WORD = re.compile(r"[^\W_]+")  # a word as typed, any case or script
_COMPOUND = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")
MAX_COMPOUND_PARTS = 3  # "pre-cancers", "il-6", "t-cell"; longer runs are slugs and dates
MAX_COMPOUND_LENGTH = 24
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def fold(text: str) -> str:
    """Lowercase, strip accents, straighten apostrophes: 'Guérin’s' -> "guerin's"."""
    if text.isascii():
        return text.lower().translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Surface words of a text, folded; stopwords kept."""
    return _WORD.findall(fold(text))


def hyphenated(text: str) -> list[str]:
    """The hyphenated words of a text (folded) that are also read written solid: 'pre-cancers' as
    'precancers', 'IL-6' as 'il6', so "precancerous" and "il6" find them. Numbers, dates and slugs are not."""
    found = []
    for compound in _COMPOUND.findall(fold(text)):
        parts = compound.split("-")
        solid = "".join(parts)
        if len(parts) <= MAX_COMPOUND_PARTS and len(solid) <= MAX_COMPOUND_LENGTH and not solid.isdigit():
            found.append(compound)
    return found


def read_list(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def read_table(path: Path) -> list[tuple[str, list[str]]]:
    rows = []
    for line in read_list(path):
        key, _, values = line.partition("\t")
        rows.append((key.strip(), [v.strip() for v in values.split(",") if v.strip()]))
    return rows


def read_base_forms(path: Path) -> dict[str, str]:
    """An irregular-forms table ("base<TAB>form, form") as form -> base."""
    return {form: base for base, forms in read_table(path) for form in forms}


def file_digest(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def frame_words() -> frozenset[str]:
    return frozenset(read_list(FRAME_WORDS_FILE))


@lru_cache(maxsize=1)
def aspect_words() -> frozenset[str]:
    return frozenset(read_list(ASPECT_WORDS_FILE))


class Analyzer:
    """text -> index terms. Built from a settings dict so the query side matches the saved index."""

    def __init__(
        self,
        stopwords: Iterable[str],
        language: str = "english",
        min_length: int = 1,
        base_forms: Mapping[str, str] | None = None,
        join_hyphens: bool = True,
    ) -> None:
        self.stopwords = frozenset(stopwords)
        self.base_forms = dict(base_forms or {})  # "took" -> "take": what the stemmer cannot join
        if language not in SnowballStemmer.languages:
            raise ValueError(f"stemmer language {language!r} is not one of {SnowballStemmer.languages}")
        self.language = language
        if min_length < 1:
            raise ValueError(f"min_length must be >= 1, got {min_length}")
        self.min_length = min_length
        self.join_hyphens = join_hyphens
        self._stemmer = SnowballStemmer(language)
        self._stem = lru_cache(maxsize=200_000)(self._stem_uncached)

    def _stem_uncached(self, word: str) -> str:
        return self._stemmer.stem(self.base_forms.get(word, word))

    @classmethod
    def default(cls) -> Analyzer:
        return cls(read_list(STOPWORDS_FILE), base_forms=read_base_forms(IRREGULAR_FORMS_FILE))

    @classmethod
    def from_settings(cls, settings: dict) -> Analyzer:
        return cls(
            settings["stopwords"],
            settings["language"],
            settings["min_length"],
            settings.get("base_forms"),
            settings.get("join_hyphens", False),
        )

    def settings(self) -> dict:
        return {
            "stopwords": sorted(self.stopwords),
            "language": self.language,
            "min_length": self.min_length,
            "base_forms": dict(sorted(self.base_forms.items())),
            "token_pattern": _WORD.pattern,
            "join_hyphens": self.join_hyphens,
            "folding": "NFKD-lower",
        }

    def is_content(self, word: str) -> bool:
        return word not in self.stopwords and len(word) >= self.min_length

    def stem(self, word: str) -> str:
        return self._stem(word)

    def terms(self, text: str) -> list[str]:
        folded = fold(text)
        found = [self._stem(w) for w in _WORD.findall(folded) if w not in self.stopwords and len(w) >= self.min_length]
        if self.join_hyphens and "-" in folded:
            for compound in hyphenated(folded):
                found += self.compound_stems(compound)
        return found

    def joined_terms(self, text: str) -> frozenset[str]:
        """The terms that only the solid reading of its hyphenated words gives a text."""
        folded = fold(text)
        if not (self.join_hyphens and "-" in folded):
            return frozenset()
        joined = {stem for compound in hyphenated(folded) for stem in self.compound_stems(compound)}
        return frozenset(joined - {self._stem(w) for w in _WORD.findall(folded)})

    def compound_stems(self, compound: str) -> list[str]:
        """'pre-cancers' -> 'precanc' (the solid word's stem) and 'precancer' (the parts before the last
        kept whole, the last stemmed), since the stemmer cuts a solid word differently from its parts:
        "precancerous" stems to the second, "precancers" to the first."""
        *modifiers, head = compound.split("-")
        stems = [self._stem("".join(modifiers) + head), "".join(modifiers) + self._stem(head)]
        return list(dict.fromkeys(s for s in stems if s not in self.stopwords))


@dataclass(frozen=True)
class QueryTerm:
    term: str  # stemmed index term
    weight: float
    concept: str  # the question word (or phrase) this term stands for
    source: str  # "question", "spelling" or "expansion"


@dataclass
class Expansions:
    """Phrase -> equivalent phrases, from the curated tables plus pairs learned from the corpus."""

    table: dict[str, list[str]]
    drugs: frozenset[str] = frozenset()  # generic and brand names (folded) from the tables and the pages
    acronyms: frozenset[str] = frozenset()  # keys that stand for a name the pages spell out ("acs")

    @classmethod
    def load(
        cls, learned_pairs: Iterable[tuple[str, str]] = (), acronyms: Iterable[tuple[str, str]] = ()
    ) -> Expansions:
        table: dict[str, list[str]] = {}
        drugs: set[str] = set()

        def link(a: str, b: str) -> None:
            a, b = fold(a).strip(), fold(b).strip()
            if a and b and a != b:
                table.setdefault(a, [])
                if b not in table[a]:
                    table[a].append(b)

        for generic, brands in read_table(BRAND_NAMES_FILE):
            drugs.update(fold(n).strip() for n in (generic, *brands))
            for brand in brands:
                link(generic, brand)
                link(brand, generic)
        for generic, brand in learned_pairs:
            drugs.update((fold(generic).strip(), fold(brand).strip()))
            link(generic, brand)
            link(brand, generic)
        for lay, clinical in read_table(LAY_TERMS_FILE):
            for word in clinical:
                link(lay, word)
        for acronym, phrase in acronyms:
            link(acronym, phrase)
        return cls(table, frozenset(drugs), frozenset(fold(a).strip() for a, _ in acronyms))

    def __post_init__(self) -> None:
        phrases = sorted(self.table, key=len, reverse=True)
        self._pattern = re.compile(r"(?<![a-z0-9])(?=(" + "|".join(re.escape(p) for p in phrases) + r")(?![a-z0-9]))")
        # A phrase can only match where the text's word equals the phrase's first word, so each
        # match position needs to try just the phrases sharing that word (kept in table order).
        self._by_first_word: dict[str, list[str]] = {}
        for phrase in self.table:
            self._by_first_word.setdefault(_leading_word(phrase), []).append(phrase)

    def matches(self, folded_text: str) -> list[tuple[str, list[str]]]:
        """Every phrase of the table found in the text (overlapping ones too: "hair loss" and "loss")."""
        found: dict[str, list[str]] = {}
        for match in self._pattern.finditer(folded_text):
            start = match.start(1)
            # the longest phrase won at this position; shorter ones starting here may match too
            for phrase in self._by_first_word.get(_leading_word(folded_text, start), ()):
                if phrase not in found and folded_text.startswith(phrase, start):
                    end = start + len(phrase)
                    if end == len(folded_text) or not folded_text[end].isalnum():
                        found[phrase] = self.table[phrase]
        return list(found.items())


def _leading_word(text: str, start: int = 0) -> str:
    match = _WORD.match(text, start)
    return match.group(0) if match else ""


_MID_SENTENCE_NAME = re.compile(r"(?<=[a-z,;(] )([A-Z][a-z]{3,}|[A-Z][a-z]+-[A-Z]?[a-z]+)|(?<=\()([A-Z][a-z]{3,})")
# word endings that name a drug, and those that name a drug-like word or a condition ("prednisone",
# "interleukin", "corticosteroid", "arthritis") without marking a drug the question must be answered about
_DRUG_ENDINGS = "mab|nib|mide|mod|cept|kinra|tinib|cillin|mycin|vir|zole|pril|sartan|statin|olol|dipine"
_OTHER_ENDINGS = (
    "sone|lone|olone|kin|itis|oma|emia|aemia|pathy|osis|iasis|algia|ectomy|plasia|penia|cytosis|steroid|steroids"
)
_DRUG_OR_CONDITION = re.compile(rf"^[a-z]{{3,}}({_DRUG_ENDINGS}|{_OTHER_ENDINGS})$")
_DRUG = re.compile(rf"^[a-z]{{3,}}({_DRUG_ENDINGS})$")


def drug_name_regex() -> str:
    """A regex alternative for a drug named in a message (folded text): a name of the brand table
    (generic or brand), or a word with a drug's ending ("revlimid", "adalimumab")."""
    names = {fold(n) for generic, brands in read_table(BRAND_NAMES_FILE) for n in (generic, *brands)}
    spelled = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    return rf"(?:{spelled}|[a-z]{{3,}}(?:{_DRUG_ENDINGS}))"


def names_drug(word: str) -> bool:
    """'adalimumab', 'tofacitinib', 'lenalidomide' by their endings (folded, lowercase words)."""
    return bool(_DRUG.match(word))


def names_drug_or_condition(word: str) -> bool:
    """'imiquimod', 'lenalidomide', 'arthritis' by their endings (folded, lowercase words)."""
    return bool(_DRUG_OR_CONDITION.match(word))


def domain_words(texts: Iterable[str]) -> set[str]:
    """Words that name a drug, condition or person: brand and eponym names the corpus capitalises
    mid-sentence, and words with drug or disease endings; short ones too ("Bcg", "Dmard")."""
    found: set[str] = set()
    for text in texts:
        for match in _MID_SENTENCE_NAME.finditer(text):
            found.update(words(match.group(0)))
        found.update(w for w in words(text) if names_drug_or_condition(w))
    return {w for w in found if len(w) >= 4}


def spelled_words(texts: Iterable[str]) -> set[str]:
    """The pages' words long enough to be told from another by a misspelling ("nausia" is "nausea")."""
    return {w for text in texts for w in words(text) if len(w) >= 5 and not w.isdigit()}


_BRAND_PATTERN = re.compile(r"\b([A-Za-z][a-z]{4,})\s*\(([A-Z][a-z]{3,})®?(?:,\s*([A-Z][a-z]{3,})®?)*\)")


def learn_brand_pairs(texts: Iterable[str]) -> list[tuple[str, str]]:
    """'lenalidomide (Revlimid)' and 'Imiquimod (Aldara®, Zyclara®)' -> [(generic, brand), ...]."""
    pairs: set[tuple[str, str]] = set()
    for text in texts:
        for match in _BRAND_PATTERN.finditer(text):
            inner = re.findall(r"[A-Z][a-z]{3,}", match.group(0)[match.group(0).index("(") :])
            for brand in inner:
                pairs.add((match.group(1).lower(), brand.lower()))
    return sorted(pairs)


# Where a page names a thing an acronym may stand for: a list item's term ("• Amyotrophic lateral sclerosis
# (...)"), a run of capitalised words ("American Cancer Society"), or the words before a bracket that
# explains them ("hereditary angioedema (HAE-an immune disease ...)")
_ITEM_TERM = re.compile(r"^\s*• ([^(\n:]{3,80}?)\s*(?:\(|:|$)", re.MULTILINE)
_NAME_TAIL = r"[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"  # the rest of a word, a hyphenated one whole ("interleukin-1")
_NAME_WORD = rf"[A-Za-z]{_NAME_TAIL}"
_CAPITALISED_RUN = re.compile(rf"\b[A-Z]{_NAME_TAIL}(?:\s+(?:(?:of|and|the|for)\s+)?[A-Z]{_NAME_TAIL})+")
_NAME = re.compile(_NAME_WORD)
_NOT_A_NAME_MARK = re.compile(r"[^\w\s-]")  # where the words before a bracket stop: "., ;:" and the rest
_MINOR_WORDS = frozenset({"of", "and", "the", "for", "in", "to", "with"})
ACRONYM_LETTERS = (3, 6)
# An acronym is learned only when it is not an everyday word: "caps" (zipf 4.2) is what a patient calls
# capsules, not Cryopyrin-associated periodic syndromes; "als" (3.4) and "acs" (3.1) are names.
ACRONYM_MAX_ZIPF = 3.5


# Greek and Latin compounds join their parts with the vowel "o" ("lympho-histio-cytosis", "myelo-dysplastic"),
# and medical acronyms often take a letter from each leading part: "Hemophagocytic lymphohistiocytosis" is
# HLH. A part is at least three letters, and at least four follow it ("sis" is no part of "cyt-o-sis").
_COMBINING_O = re.compile(r"(?<=[a-z]{2})o(?=[b-df-hj-np-tv-z][a-z]{3})")


def _leading_forms(word: str) -> set[str]:
    """The initials of a compound word's first two, three... parts: "lymphohistiocytosis" -> lh, lhc."""
    starts = [m.end() for m in _COMBINING_O.finditer(word.lower())]
    return {word[0].lower() + "".join(word[i].lower() for i in starts[:k]) for k in range(1, len(starts) + 1)}


def _initials(phrase: str) -> set[str]:
    """The acronyms a phrase may be written as: a hyphenated word gives one letter or one per part
    ("Neonatal-onset multisystem inflammatory disease" -> nomid, nmid), and the small words ("of",
    "and") count or not ("Deficiency of interleukin-1 receptor antagonist" -> dira, doira)."""
    options: set[str] = set()
    for include_minor in (False, True):
        spelled = [""]
        for word in _NAME.findall(phrase):
            if word.lower() in _MINOR_WORDS and not include_minor:
                continue
            parts = [p for p in word.split("-") if p[:1].isalpha()]
            choices = {word[0], "".join(p[0] for p in parts), *_leading_forms(word)}
            spelled = [s + c.lower() for s in spelled for c in choices]
        options.update(spelled)
    low, high = ACRONYM_LETTERS
    return {o for o in options if low <= len(o) <= high}


def learn_acronyms(texts: Iterable[str]) -> list[tuple[str, str]]:
    """(acronym, phrase) for the names the pages spell out, so "nomid" or "acs" finds the page that
    writes the name in full. Only acronyms that are rare in everyday English are kept."""
    phrases: set[str] = set()

    def add(words: list[str], whole: bool) -> None:
        # a list item is the name; a run of capitals or the words before a bracket may start before
        # it ("Call the American Cancer Society", "with hereditary angioedema (...)")
        for i in [0] if whole else range(max(0, len(words) - 6), len(words) - 1):
            name = words[i:]
            while name and name[0].lower() in _MINOR_WORDS:  # "the American Cancer Society"
                name = name[1:]
            if 2 <= len(name) <= 6:
                phrases.add(" ".join(name))

    for text in texts:
        for match in _ITEM_TERM.finditer(text):
            add(match.group(1).split(), whole=True)
        for match in _CAPITALISED_RUN.finditer(text):
            add(match.group(0).split(), whole=False)
        for bracket in re.finditer(r"\s\(", text):  # found from the bracket back: a regex would backtrack
            before = _NOT_A_NAME_MARK.split(text[max(0, bracket.start() - 150) : bracket.start()])[-1].split()
            words: list[str] = []
            for token in reversed(before[-5:]):
                if not _NAME.fullmatch(token):
                    break
                words.insert(0, token)
            add(words, whole=False)
    pairs = {
        (acronym, phrase.lower())
        for phrase in phrases
        for acronym in _initials(phrase)
        if zipf_frequency(acronym, "en") < ACRONYM_MAX_ZIPF
    }
    return sorted(pairs)


class QueryExpander:
    """question -> weighted index terms, with brand, lay and spelling expansions."""

    def __init__(
        self,
        analyzer: Analyzer,
        vocabulary: Iterable[str],
        surface_words: Iterable[str],
        expansions: Expansions,
        expansion_weight: float = 1.0,
        spelled_words: Iterable[str] = (),
    ) -> None:
        if not 0 <= expansion_weight <= 1:
            raise ValueError(f"expansion_weight must be within [0, 1], got {expansion_weight}")
        self.analyzer = analyzer
        self.vocabulary = frozenset(vocabulary)
        self.surface_words = sorted({w for w in surface_words if len(w) >= 4})
        self._by_initial: dict[str, list[str]] = {}
        # a misspelling keeps its first letter far more often than not
        for word in sorted({w for w in spelled_words if len(w) >= 4} | set(self.surface_words)):
            self._by_initial.setdefault(word[0], []).append(word)
        self.expansions = expansions
        self.expansion_weight = expansion_weight
        self._correct = lru_cache(maxsize=50_000)(self._correct_uncached)
        self._relative = lru_cache(maxsize=50_000)(self._relative_uncached)
        # the tables by the stems of their phrases, so an inflection the table does not list is found
        # too ("numb" for "numbness", "swollen ankles" for "ankle swollen" is not: order still counts)
        self._by_stems: dict[tuple[str, ...], list[str]] = {}
        for phrase, targets in expansions.table.items():
            key = tuple(analyzer.stem(w) for w in _WORD.findall(phrase))
            if key:
                self._by_stems.setdefault(key, [])
                self._by_stems[key] += [t for t in targets if t not in self._by_stems[key]]
        self._longest = max((len(k) for k in self._by_stems), default=0)

    def known(self, term: str) -> bool:
        return term in self.vocabulary

    @cached_property
    def drug_terms(self) -> frozenset[str]:
        """Index terms of drug names: those of the tables and the pages' "generic (Brand)" pairs, and
        the pages' words with a drug's ending."""
        named = {t for name in self.expansions.drugs for t in self.analyzer.terms(name)}
        return frozenset(named | {self.analyzer.stem(w) for w in self.surface_words if names_drug(w)})

    def names_drug(self, word: str, terms: Iterable[str]) -> bool:
        """A question word names a drug: by the tables, a name the pages give, or a drug's ending."""
        return names_drug(word) or word in self.expansions.drugs or not self.drug_terms.isdisjoint(terms)

    def _correct_uncached(self, word: str) -> str | None:
        if len(word) < 5 or word.isdigit() or zipf_frequency(word, "en") >= MISSPELLING_MAX_ZIPF:
            return None
        limit = 1 if len(word) < LONG_WORD_LETTERS else 2
        near = process.extract(
            word, self._by_initial.get(word[0], ()), scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        if not near:
            return None
        return min((edits, -zipf_frequency(other, "en"), other) for other, edits, _ in near)[2]

    def correct(self, word: str) -> str | None:
        """The page word a misspelled word stands for, or None: the page word of the same first letter
        fewest edits away (a letter added, dropped, changed, or two swapped), at most one edit for a
        short word and two for a long one; the more common word on a tie. A word common in everyday
        English is taken as meant ("forever" is not "fever", "spots" is not "shots")."""
        return self._correct(word)

    def as_the_pages_spell(self, word: str) -> str:
        """The word as the pages spell it: itself when they use it, else its spelling fix or a word of
        its root ("revlimd" -> "revlimid"), as the query reads it; else itself."""
        if " " in word or self.known(self.analyzer.stem(word)):
            return word
        return self.correct(word) or self.relative(word) or word

    def relative(self, word: str) -> str | None:
        """A corpus word of the same root that the stemmer keeps apart ("tingly" -> "tingling",
        "bruises" -> "bruising"): the two share a beginning of ROOT_LETTERS or more and differ only in
        English endings. The longest shared beginning wins, then the shorter word."""
        return self._relative(word)

    def _relative_uncached(self, word: str) -> str | None:
        if len(word) < ROOT_LETTERS:
            return None
        root = word[:ROOT_LETTERS]
        best: tuple[int, int, str] | None = None
        # the surface words are sorted, so those that begin with the root sit together
        for other in self.surface_words[bisect.bisect_left(self.surface_words, root) :]:
            if not other.startswith(root):
                break
            shared = len(os.path.commonprefix((word, other)))
            if word[shared:] in ENDINGS and other[shared:] in ENDINGS:
                key = (-shared, len(other), other)
                best = key if best is None or key < best else best
        return best[2] if best else None

    def respell(self, text: str) -> str:
        """The text with each word the pages do not know, and a spelling fix names, replaced by that
        fix: "can i get pregnent on revlimid" -> "... pregnant ...". The sentence model reads word
        pieces, and "preg ##nent" is not "pregnant" to it. Everything else is left as typed."""

        def fixed(match: re.Match[str]) -> str:
            word = fold(match.group(0))
            if not self.analyzer.is_content(word) or self.known(self.analyzer.stem(word)):
                return match.group(0)
            return self.correct(word) or match.group(0)

        return _SURFACE_WORD.sub(fixed, text)

    def expand(self, text: str) -> list[QueryTerm]:
        analyzer = self.analyzer
        folded = fold(text)
        terms: list[QueryTerm] = []
        corrected_words: list[str] = []
        frames = frame_words()
        for word in _WORD.findall(folded):
            if not analyzer.is_content(word):
                continue
            stem = analyzer.stem(word)
            if self.known(stem):
                terms.append(QueryTerm(stem, FRAME_WEIGHT if word in frames else 1.0, word, "question"))
                corrected_words.append(word)
                continue
            fixed = self.correct(word) or self.relative(word)
            if fixed is not None:  # a page word of the same root stands in as a spelling fix does
                terms.append(QueryTerm(analyzer.stem(fixed), 1.0, word, "spelling"))
                corrected_words.append(fixed)
            else:
                terms.append(QueryTerm(stem, 1.0, word, "question"))  # unknown: scores nothing, counts for coverage
                corrected_words.append(word)
        normalized = " ".join(corrected_words)
        have = {t.term for t in terms}
        if analyzer.join_hyphens:  # "il-6" also as "il6", standing in for each of its parts
            for compound in hyphenated(folded):
                for stem in analyzer.compound_stems(compound):
                    if stem not in have and self.known(stem):
                        have.add(stem)
                        terms.append(QueryTerm(stem, self.expansion_weight, compound, "expansion"))
        matched = self.expansions.matches(f" {normalized} ") + self.expansions.matches(folded)
        for phrase, targets in matched + self._stem_matches(normalized, {phrase for phrase, _ in matched}):
            concept = phrase
            scale = FRAME_WEIGHT if all(w in frames for w in phrase.split()) else 1.0
            for target in targets:
                target_terms = analyzer.terms(target)
                # an acronym is one word of the question: its name's words share that word's weight, or
                # "acs" would ask three times over for "american", "cancer" and "society"
                share = 1 / len(target_terms) if phrase in self.expansions.acronyms and target_terms else 1.0
                for term in target_terms:
                    if term not in have and self.known(term):
                        have.add(term)
                        terms.append(QueryTerm(term, self.expansion_weight * scale * share, concept, "expansion"))
        return terms

    def _stem_matches(self, text: str, found: set[str]) -> list[tuple[str, list[str]]]:
        """Table phrases whose stems the text's words have in a row, named by the text's own words."""
        surface = _WORD.findall(text)
        stems = [self.analyzer.stem(w) for w in surface]
        matches = []
        for start in range(len(stems)):
            for end in range(start + 1, min(len(stems), start + self._longest) + 1):
                phrase = " ".join(surface[start:end])
                targets = self._by_stems.get(tuple(stems[start:end]))
                if targets and phrase not in found:
                    found.add(phrase)
                    matches.append((phrase, targets))
        return matches
