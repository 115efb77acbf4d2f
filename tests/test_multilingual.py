"""--lang: ROUGE equal, per document, to XL-Sum's scorer (multilingual-rouge 0.0.1, the
package itself) in every path it has: segmenters (zh, ja, th, my), its own stemmers (hi,
tr; bn without stemming, which is all the package can score), Snowball stemmers with
NLTK's stopword lists (ru, es, fr, de, ar, en) and languages with neither (ko, sw).
The texts are our own, with each script's punctuation, digits and Latin words."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sumbench
from sumbench import multilingual, multilingual_scoring
from sumbench.cli import app
from sumbench.errors import SettingError
from sumbench.scoring import RougeSpec, coverage_warnings

pytest.importorskip("jieba", reason="the multilingual extra is not installed")
TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
# the package warns for every language without a stemmer or segmenter
pytestmark = pytest.mark.filterwarnings("ignore:-----")
runner = CliRunner()

TEXTS = {  # language: (reference, prediction), one sentence per line
    "zh": ("国家统计局周一公布，2024年第三季度GDP同比增长4.6%。\n"
           "分析人士认为，消费和出口是主要动力！\n“我们预计明年会更好，”一位经济学家说。",
           "统计局说，第三季度GDP增长4.6%。\n消费是主要动力。"),
    "ja": ("東京都は月曜日、新しい条例を発表した。\n"
           "2025年4月から、AIを使ったサービスが始まる予定だ。\n「市民の生活が便利になる」と知事は述べた。",
           "東京都が新しい条例を発表。\nAIサービスは2025年に始まる。"),
    "th": ("รัฐบาลไทยประกาศแผนเศรษฐกิจใหม่เมื่อวันจันทร์\nคาดว่า GDP จะเติบโต 3.5% ในปี 2567\n"
           "นายกรัฐมนตรีกล่าวว่า \"เราจะทำให้ดีที่สุด\"",
           "รัฐบาลประกาศแผนเศรษฐกิจใหม่\nGDP จะเติบโต 3.5%"),
    "my": ("မြန်မာနိုင်ငံတွင် မိုးရာသီ စတင်ပြီ။\n၂၀၂၄ ခုနှစ်တွင် မိုးရေချိန် ၁၅% တိုးလာမည်ဟု ခန့်မှန်းသည်။\n"
           "ရန်ကုန်မြို့ COVID ဆေးရုံ",
           "မိုးရာသီ စတင်ပြီ။\nမိုးရေချိန် ၁၅% တိုးလာမည်။"),
    "hi": ("भारत की राजधानी दिल्ली में सोमवार को भारी बारिश हुई।\nमौसम विभाग ने कहा कि 2024 में 15% "
           "ज़्यादा बारिश होगी।\nलड़कियों ने स्कूल जाना बंद कर दिया, और बच्चों को AI से पढ़ाया जाएगा।",
           "दिल्ली में भारी बारिश हुई।\nलड़कियाँ स्कूल नहीं जाएंगी।"),
    "tr": ("Türkiye'nin başkenti Ankara'da dün büyük bir toplantı yapıldı.\nCumhurbaşkanı, 2024 "
           "yılında enflasyonun %45'e düşeceğini söyledi.\nİstanbul'daki öğrenciler de "
           "toplantıya katıldılar!",
           "Ankara'da büyük toplantı yapıldı.\nEnflasyon %45'e düşecek, dedi Cumhurbaşkanı."),
    "bn": ("বাংলাদেশের রাজধানী ঢাকায় সোমবার ভারী বৃষ্টি হয়েছে।\nআবহাওয়া অফিস জানিয়েছে, ২০২৪ সালে "
           "১৫% বেশি বৃষ্টি হবে।\nশিক্ষার্থীরা স্কুলে যেতে পারেনি।",
           "ঢাকায় ভারী বৃষ্টি হয়েছে।\nশিক্ষার্থীরা স্কুলে যায়নি।"),
    "ru": ("В понедельник правительство России объявило о новых мерах поддержки.\nПо словам "
           "министра, в 2024 году ВВП вырастет на 3,5%.\nЭти меры, которые обсуждались давно, "
           "коснутся миллионов людей — в том числе IT-специалистов.",
           "Правительство объявило новые меры поддержки.\nВВП вырастет на 3,5%, сказал министр."),
    "es": ("El presidente anunció el lunes un nuevo plan económico.\n¿Funcionará? Según los "
           "expertos, el PIB crecerá un 2,5% en 2024.\nEstos cambios, dijo, son para ellos y "
           "para todos.",
           "El presidente anunció un plan económico nuevo.\nEl PIB crecerá 2,5%, según "
           "expertos; esto es para todos."),
    "fr": ("Le gouvernement français a présenté lundi un nouveau budget.\n« Nous serons "
           "prudents », a déclaré le ministre ; la croissance atteindrait 1,2 % en 2025.\n"
           "Les entreprises de l'IA en profiteront.",
           "Le gouvernement a présenté un budget nouveau.\nLa croissance serait de 1,2 %, "
           "selon le ministre."),
    "de": ("Die Bundesregierung hat am Montag ein neues Gesetz beschlossen.\nDas Wachstum soll "
           "2024 bei 0,5 % liegen, sagte der Minister.\nÜber 3.000 Unternehmen wären davon "
           "betroffen – auch KI-Firmen.",
           "Die Regierung beschloss ein neues Gesetz.\nDas Wachstum läge bei 0,5 %."),
    "ar": ("أعلنت الحكومة المصرية يوم الاثنين عن خطة اقتصادية جديدة.\nوقال الوزير إن الناتج المحلي "
           "سينمو بنسبة 4.5% في عام 2024، وكتبنا ذلك في التقرير.\nهل ستنجح الخطة؟ يرى الخبراء أن "
           "شركات AI ستستفيد.",
           "أعلنت الحكومة خطة اقتصادية جديدة.\nسينمو الناتج المحلي 4.5%، كتبتم ذلك."),
    "en": ("The cats were running quickly through the gardens on Monday.\nThey themselves said "
           "the GDP grew 3.5% in 2024.",
           "The cat runs in the garden.\nGDP grew 3.5%, they said."),
    "ko": ("서울시는 월요일 새로운 교통 정책을 발표했다.\n"
           "2024년부터 버스 요금이 10% 인상될 예정이다.\n"
           "시민들은 \"AI 서비스가 편리하다\"고 말했다!",
           "서울시가 새 교통 정책을 발표했다.\n버스 요금이 10% 오른다."),
    "sw": ("Rais wa Kenya alitangaza Jumatatu mpango mpya wa uchumi.\nKwa mujibu wa wataalamu, "
           "uchumi utakua kwa asilimia 5.5 mwaka 2024.\n\"Tutafanya kazi kwa bidii,\" alisema "
           "waziri wa fedha.",
           "Rais alitangaza mpango mpya wa uchumi.\nUchumi utakua kwa asilimia 5.5."),
}
SNOWBALL = ("ru", "es", "fr", "de", "ar", "en")
NO_DATA = [c for c in TEXTS if c not in SNOWBALL]


def pairs(code: str) -> list[tuple[str, str]]:
    """Each language's (reference, prediction) both ways, one against itself, and both
    as single lines (ROUGE-N/L on a line; ROUGE-Lsum on one sentence)."""
    ref, pred = TEXTS[code]
    flat = (ref.replace("\n", " "), pred.replace("\n", " "))
    return [(ref, pred), (pred, ref), (ref, ref), flat, (pred, "")]


class _NoUnidic:
    """Hides the `unidic` package, as on a machine without it."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "unidic":
            raise ModuleNotFoundError("unidic hidden by the test")


@pytest.fixture(scope="module")
def package():
    """multilingual-rouge's RougeScorer. Where `unidic` is installed without its 770 MB
    download (as the package's own requirements leave it), fugashi, which tries it first,
    fails: it is hidden so fugashi takes unidic-lite, as sumbench does."""
    scorer = pytest.importorskip("multilingual_rouge.rouge_scorer")
    try:
        import unidic
        hide = not Path(unidic.DICDIR).is_dir()
    except ImportError:
        hide = False
    if hide:
        sys.modules.pop("unidic", None)
        sys.meta_path.insert(0, _NoUnidic())
        multilingual.segmenter.cache_clear()
    yield scorer.RougeScorer
    if hide:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _NoUnidic)]


def assert_same(package, code: str, stem: bool) -> None:
    name = multilingual.language(code).name
    reference = package(TYPES, use_stemmer=stem, lang=name)
    if code == "ar":  # NLTK's ArabicStemmer sets a flag for good on this word: its steady
        reference.score("وكتبنا", "وكتبنا")  # state, which sumbench matches (README)
    cases = pairs(code)
    ours = sumbench.score(predictions=[p for _, p in cases], references=[r for r, _ in cases],
                          lang=code, stemmer=stem, split="newline")
    for i, (ref, pred) in enumerate(cases):
        want = reference.score(ref, pred)
        for t in TYPES:
            got = ours[i][t]
            assert (got.precision, got.recall, got.fmeasure) == tuple(want[t]), (code, stem, i, t)


@pytest.mark.parametrize("stem", [True, False])
@pytest.mark.parametrize("code", NO_DATA)
def test_equal_to_xlsum_scorer(package, code: str, stem: bool):
    if code == "bn" and stem:
        with pytest.raises(FileNotFoundError, match=r"common\.rules"):
            package(TYPES, use_stemmer=True, lang="bengali")
        with pytest.raises(SettingError, match="no-stemmer"):
            sumbench.score(predictions=["x"], references=["x"], lang="bn")
        return
    assert_same(package, code, stem)


@pytest.fixture
def test_stopwords(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """NLTK data holding our own stopword lists (words of the texts above), found by the
    package (through NLTK's reader) and by sumbench (pinned to these lists' sha256)."""
    import hashlib

    import nltk.stem.snowball
    from nltk.corpus.reader import WordListCorpusReader

    root = tmp_path / "corpora" / "stopwords"
    root.mkdir(parents=True)
    lists = {"russian": "которые\nэти\nпо\n", "spanish": "estos\nesto\npara\nellos\n",
             "french": "nous\nserons\nles\n", "german": "wären\ndas\nüber\n",
             "arabic": "ذلك\nالتي\n", "english": "themselves\nthey\nwere\n"}
    for name, words in lists.items():
        (root / name).write_text(words, encoding="utf-8")
        monkeypatch.setitem(multilingual.STOPWORDS_SHA256, name,
                            hashlib.sha256(words.encode()).hexdigest())
    monkeypatch.setattr("nltk.data.path", [str(tmp_path)])
    monkeypatch.setattr(nltk.stem.snowball, "stopwords", WordListCorpusReader(
        str(root), list(lists), encoding="utf8"))
    multilingual.stemmer.cache_clear()
    yield root
    multilingual.stemmer.cache_clear()


@pytest.mark.parametrize("code", SNOWBALL)
def test_snowball_with_stopwords(package, test_stopwords: Path, code: str):
    assert_same(package, code, True)
    assert_same(package, code, False)


@pytest.mark.parametrize("code", SNOWBALL)
def test_snowball_with_nltk_stopwords(package, code: str):
    """With NLTK's own lists, where they are installed (python -m nltk.downloader stopwords)."""
    try:
        multilingual.check_ready(code, True)
    except SettingError as err:
        pytest.skip(str(err))
    assert_same(package, code, True)


@pytest.mark.parametrize("code", ["ko", "en"])
def test_equal_on_news_articles(package, code: str):
    """20 CNN/DM references against the start of their articles: real punctuation,
    quotes, numbers and names, through OpenNMT (ko: no stemmer; en: Snowball English
    with NLTK's stopwords, where installed)."""
    from .conftest import CNNDM, read_jsonl

    if code == "en":
        try:
            multilingual.check_ready(code, True)
        except SettingError as err:
            pytest.skip(str(err))
    rows = read_jsonl(CNNDM)[:20]
    refs = [row["references"][0] for row in rows]
    preds = [" ".join(row["article"].split()[:60]) for row in rows]
    ours = sumbench.score(predictions=preds, references=refs, lang=code, split="newline")
    reference = package(TYPES, use_stemmer=True, lang=multilingual.language(code).name)
    for i, (ref, pred) in enumerate(zip(refs, preds, strict=True)):
        want = reference.score(ref, pred)
        for t in TYPES:
            got = ours[i][t]
            assert (got.precision, got.recall, got.fmeasure) == tuple(want[t]), (i, t)


def test_stopwords_missing_or_different(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("nltk.data.path", [str(tmp_path)])
    with pytest.raises(SettingError, match=r"nltk\.downloader stopwords"):
        multilingual.check_ready("ru", True)
    multilingual.check_ready("ru", False)  # no stemming, no data needed
    (tmp_path / "corpora" / "stopwords").mkdir(parents=True)
    (tmp_path / "corpora" / "stopwords" / "russian").write_text("и\nв\n", encoding="utf-8")
    with pytest.raises(SettingError, match="not the one this scorer is pinned to"):
        multilingual.check_ready("ru", True)


def test_tokens_by_hand():
    """The BasicTokenizer: punctuation of every script and ASCII symbols split, format
    characters (ZWJ) dropped, symbols outside ASCII kept; jieba's space tokens kept."""
    assert multilingual.basic_tokens("¿qué? «sí» a+b=c 5€ क्‍ष।ok") == [
        "qué", "sí", "a", "b", "c", "5€", "क्ष", "ok"]
    zh = multilingual.Tokenizer("zh", True)
    assert zh.tokens("我爱北京。GDP增长") == ["我", "爱", "北京", " ", "gdp", "增长"]
    assert zh.sentences("我爱北京。GDP增长\n天安门") == [["我爱北京", "gdp增长"], ["天安门"]]
    ko = multilingual.Tokenizer("ko", True)
    # OpenNMT's aggressive mode splits digits from letters, not one script from another
    assert ko.tokens("2024년 AI서비스") == ["2024", "년", "ai서비스"]
    assert multilingual.hindi_stem("लड़कियों") == "लड़क"
    # 我 爱 北京 against 我 爱 上海: 2 of 3 unigrams, 1 of 2 bigrams
    got = sumbench.score(predictions=["我爱上海"], references=["我爱北京"], lang="zh")[0]
    assert (got["rouge1"].precision, got["rouge2"].recall) == (2 / 3, 1 / 2)


SCRIPTS = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "Cc", "Cf"))


@settings(max_examples=100, deadline=None)
@given(st.text(SCRIPTS, max_size=40) | st.text(
    st.sampled_from("我爱北京天安门。，年GDP5%.-+ \t\n\u200d\u3000abcÀß２"), max_size=40))
def test_tokens_equal_on_any_text(text: str):
    """The BasicTokenizer, and the whole main path with and without a segmenter, on any
    text: against the package's own functions."""
    from multilingual_rouge import rouge_scorer, tokenization_wrapper, tokenizers

    assert multilingual.basic_tokens(text.lower()) == tokenizers.BasicTokenizer()(text.lower())
    for code, name in (("ko", "korean"), ("zh", "chinese")):
        want = tokenization_wrapper.tokenize(text, None, _package_tokenizer(rouge_scorer, name))
        assert multilingual.Tokenizer(code, False).tokens(text) == want, code


_TOKENIZERS: dict[str, object] = {}


def _package_tokenizer(rouge_scorer, name: str):
    if name not in _TOKENIZERS:
        _TOKENIZERS[name] = rouge_scorer.MultiTokenizer(name)
    return _TOKENIZERS[name]


def test_names_and_refusals():
    assert [multilingual.canonical(n) for n in ("ZH", "chinese_simplified", "bangla",
                                               "mundo", "turkce", "serbian_latin")] == [
        "zh", "zh", "bn", "es", "tr", "sr"]
    with pytest.raises(SettingError, match="ISO 639-1"):
        RougeSpec(lang="klingon")
    with pytest.raises(SettingError, match="tokenizer"):
        RougeSpec(lang="zh", tokenizer="unicode")
    with pytest.raises(SettingError, match="pysbd has no sentence rules for th"):
        RougeSpec(lang="th", split="pysbd")


def test_missing_extra_is_one_line(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(multilingual, "_version", lambda p: None if p == "jieba" else "1")
    with pytest.raises(SettingError) as err:
        multilingual.check_ready("zh", True)
    assert "pip install 'sumbench[multilingual]'" in str(err.value)
    assert "\n" not in str(err.value)


def test_lsum_sentences_per_language():
    ru = "Это первое предложение. А это второе!"
    assert multilingual_scoring.sentence_lines(ru, "ru", "auto").split("\n") == [
        "Это первое предложение.", "А это второе!"]
    th = "ประโยคแรก ประโยคที่สอง"
    assert multilingual_scoring.sentence_lines(th, "th", "auto") == th
    assert RougeSpec(lang="th").splitter.startswith("newline (pysbd has no rules for th")
    assert RougeSpec(lang="ru").splitter.startswith("pysbd-0.3-ru")
    assert RougeSpec(lang="zh", split="newline").splitter.startswith("newline")


def test_warning_suggests_lang():
    spec = RougeSpec()
    for text, code in (("我爱北京天安门", "zh"), ("東京に住んでいます", "ja"),
                       ("भारत की राजधानी", "hi"), ("서울시는 발표했다", "ko")):
        (warning,) = coverage_warnings(["d"], [[text]], [text], spec)
        assert f"--lang {code}" in warning
    assert coverage_warnings(["d"], [["我爱北京"]], ["我爱北京"], RougeSpec(lang="zh")) == []


def write_suite(folder: Path) -> Path:
    """Four documents, articles in three languages: their lead sentence is the summary."""
    rows = [{"id": f"{code}{i}", "article": (pred if i else ref).replace("\n", " "),
             "references": [ref if i else pred]}
            for code in ("zh", "ko") for i, (ref, pred) in enumerate([TEXTS[code]] * 2)]
    data = folder / "suite.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return data


def cli_run(tmp_path: Path, name: str, data: Path, *extra: str) -> Path:
    out = tmp_path / name
    result = runner.invoke(app, ["run", "--data", str(data), "--summarizer", "lead",
                                 "--lead-sentences", "1", "--out", str(out), "--quiet",
                                 "--no-cache", *extra])
    assert result.exit_code == 0, result.output
    return out


def test_run_compare_and_merge(tmp_path: Path):
    data = write_suite(tmp_path)
    zh = cli_run(tmp_path, "zh", data, "--lang", "chinese_simplified")
    results = json.loads((zh / "results.json").read_text())
    assert "|tok:xlsum-zh|" in results["signature"] and "+jieba-" in results["signature"]
    assert results["spec"]["rouge"]["lang"] == "zh"
    ko = cli_run(tmp_path, "ko", data, "--lang", "ko")
    plain = cli_run(tmp_path, "plain", data)
    for base, new in ((zh, ko), (plain, zh)):
        result = runner.invoke(app, ["compare", str(base), str(new)])
        assert result.exit_code == 2 and "'tok' differs" in result.output, result.output
    shards = [cli_run(tmp_path, f"s{i}", data, "--lang", "zh", "--shard", f"{i}/2")
              for i in (1, 2)]
    result = runner.invoke(app, ["merge", *map(str, shards), "--out", str(tmp_path / "m"),
                                 "--lang", "zh"])
    assert result.exit_code == 0, result.output
    merged = json.loads((tmp_path / "m" / "results.json").read_text())
    assert merged["scores"] == results["scores"]
    assert merged["signature"] == results["signature"]
    result = runner.invoke(app, ["merge", *map(str, shards), "--out", str(tmp_path / "m2"),
                                 "--lang", "ja"])
    assert result.exit_code == 2 and "not --lang ja" in result.output
    mixed = cli_run(tmp_path, "k2", data, "--lang", "ko", "--shard", "2/2")
    result = runner.invoke(app, ["merge", str(shards[0]), str(mixed), "--out",
                                 str(tmp_path / "m3")])
    assert result.exit_code == 2 and "rouge" in result.output, result.output


def test_meta_eval_with_lang(tmp_path: Path):
    rows = []
    for i, code in enumerate(("zh", "zh", "zh")):
        ref, pred = TEXTS[code]
        rows.append({"id": f"d{i}", "references": [ref], "systems": {
            "a": {"summary": pred, "human": {"overall": 1.0 + i}},
            "b": {"summary": ref[: 10 + 5 * i], "human": {"overall": 2.0 - i}}}})
    human = tmp_path / "human.jsonl"
    human.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = runner.invoke(app, ["meta-eval", str(human), "--out", str(tmp_path / "out"),
                                 "--lang", "zh", "--n-resamples", "20", "--quiet",
                                 "--metrics", "rouge"])
    assert result.exit_code == 0, result.output
    recorded = json.loads((tmp_path / "out" / "meta_eval.json").read_text())
    assert recorded["rouge"]["tokenizer"] == "xlsum-zh"
