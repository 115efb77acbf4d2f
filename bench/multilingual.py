"""--lang zh on 1,000 documents: XL-Sum's scorer (multilingual-rouge 0.0.1, one
``score`` call per pair, as its README and its CLI use it) vs sumbench, in one run.

    python bench/multilingual.py [--docs 1000] [--lang zh] [--repeats 3]

The documents are built from Chinese sentences written for this benchmark, shuffled with
a fixed seed so that no two references and no two predictions are the same text (a
reference of 3 to 6 sentences, a prediction of 2 to 4, some shared with it), one sentence
per line as the scorer's ROUGE-Lsum needs. Both sides are warmed up on one pair (jieba
loads its dictionary once) and then timed on all pairs; the script asserts identical
P/R/F of rouge1, rouge2, rougeL and rougeLsum on every document and prints the ratio.
sumbench is timed twice: ``scoring.score_batch`` (per-document scores, the sampled
rouge-score cross-check included) and ``sumbench.score`` (also the bootstrap intervals).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import warnings

import sumbench
from sumbench import multilingual
from sumbench.scoring import RougeSpec, score_batch

TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
SENTENCES = {"zh": [
    "国家统计局周一公布，2024年第三季度GDP同比增长4.6%。",
    "分析人士认为，消费和出口是经济增长的主要动力！",
    "“我们预计明年会更好，”一位经济学家在北京说。",
    "上海证券交易所的成交量比上周增加了12%。",
    "新能源汽车的销量连续第五个月创下新高。",
    "政府表示将继续支持中小企业发展，并减少税费。",
    "许多年轻人选择在大城市以外的地方找工作。",
    "专家提醒，房地产市场的调整可能还会持续一段时间。",
    "人工智能（AI）公司在深圳和杭州吸引了大量投资。",
    "今年夏天，南方多个省份遭遇了罕见的高温天气。",
    "铁路部门说，国庆假期期间共运送旅客1.9亿人次。",
    "央行宣布下调存款准备金率0.5个百分点。",
    "这项政策预计将释放约一万亿元的长期资金。",
    "消费者信心指数在九月份小幅回升。",
    "出口订单的增加主要来自东南亚和中东市场。",
    "一些工厂表示，原材料价格上涨给生产带来压力。",
]}


def documents(code: str, n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    pool = SENTENCES[code]
    refs, preds, seen = [], [], set()
    while len(refs) < n:
        ref = rng.sample(pool, rng.randint(3, 6))
        pred = rng.sample(ref, 1) + rng.sample(pool, rng.randint(1, 3))
        pair = ("\n".join(ref), "\n".join(pred))
        if pair[0] in seen or pair[1] in seen:
            continue
        seen.update(pair)
        refs.append(pair[0])
        preds.append(pair[1])
    return refs, preds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--lang", default="zh", choices=sorted(SENTENCES))
    parser.add_argument("--repeats", type=int, default=3, help="median of this many")
    args = parser.parse_args()
    from multilingual_rouge.rouge_scorer import RougeScorer

    warnings.filterwarnings("ignore", message="-----")
    refs, preds = documents(args.lang, args.docs)
    name = multilingual.language(args.lang).name
    spec = RougeSpec(lang=args.lang)
    print(f"{len(refs)} documents, --lang {args.lang} ({name}); "
          f"{sum(len(r) for r in refs) + sum(len(p) for p in preds)} characters")

    scorer = RougeScorer(TYPES, use_stemmer=True, lang=name)
    scorer.score(refs[0], preds[0])
    score_batch(references=[[refs[0]]], predictions=[preds[0]], spec=spec)
    times: dict[str, list[float]] = {"xlsum": [], "score_batch": [], "sumbench.score": []}
    for _ in range(args.repeats):
        # fresh memos each time: every text is tokenized again, as in a new run
        start = time.perf_counter()
        expected = [scorer.score(r, p) for r, p in zip(refs, preds, strict=True)]
        times["xlsum"].append(time.perf_counter() - start)
        start = time.perf_counter()
        got = score_batch(references=[[r] for r in refs], predictions=preds,
                          spec=RougeSpec(lang=args.lang, rouge_types=tuple(TYPES)))
        times["score_batch"].append(time.perf_counter() - start)
        start = time.perf_counter()
        sumbench.score(predictions=preds, references=refs, lang=args.lang)
        times["sumbench.score"].append(time.perf_counter() - start)
    for i, (want, have) in enumerate(zip(expected, got, strict=True)):
        for t in TYPES:
            assert tuple(want[t]) == (have[t].precision, have[t].recall, have[t].fmeasure), (i, t)
    print(f"identical P/R/F of {', '.join(TYPES)} on all {len(refs)} documents")
    base = statistics.median(times["xlsum"])
    for label, values in times.items():
        median = statistics.median(values)
        print(f"{label:>15}: {median:7.3f} s (median of {len(values)}: "
              f"{', '.join(f'{v:.3f}' for v in values)}); "
              f"{median / base:.2f}x XL-Sum's time")


if __name__ == "__main__":
    main()
