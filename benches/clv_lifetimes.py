"""The Python side of benches/clv.sh: what an analyst does today with the package `lifetimes`.

    clv_lifetimes.py bg-nbd LOG OUT.csv [options]   read, summarize, BG/NBD + Gamma-Gamma,
                                                    P(alive) and CLV per customer to OUT.csv
    clv_lifetimes.py pareto-nbd LOG [options]       read and summarize (not timed), then the
                                                    Pareto/NBD fit on that summary (timed)
    clv_lifetimes.py compare LIFETIMES.json RAPPORT.json
                                                    parameters side by side, to 4 digits
    clv_lifetimes.py compare-customers LIFETIMES.csv RAPPORT.csv
                                                    per-customer P(alive) side by side

The fitting commands print one JSON object: the parameters (in the summary's time unit) and the
seconds of each stage, measured inside the process; benches/clv.sh measures the whole process
with GNU time. The time unit is the week measured as days / 7 (lifetimes: freq 'D' with
freq_multiplier 7), as in the literature and in `rapport clv --time-unit week`. The penalizer
is 0, so both tools maximize the same likelihood.
"""

import argparse
import json
import math
import sys
import time

STAGES = {}


def stage(name, started):
    now = time.perf_counter()
    STAGES[name] = round(now - started, 3)
    return now


def read_summary(args):
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    started = time.perf_counter()
    if args.whitespace:
        names = [f"c{i}" for i in range(1, args.columns + 1)]
        log = pd.read_csv(args.log, sep=r"\s+", header=None, names=names, dtype={args.id_col: str})
    else:
        log = pd.read_csv(args.log, dtype={args.id_col: str})
    started = stage("read", started)
    log[args.date_col] = pd.to_datetime(log[args.date_col].astype(str), format=args.date_format)
    if args.calibration_end:
        log = log[log[args.date_col] <= pd.Timestamp(args.calibration_end)]
    summary = summary_data_from_transaction_data(
        log,
        args.id_col,
        args.date_col,
        monetary_value_col=args.amount_col,
        observation_period_end=args.calibration_end,
        freq="D",
        freq_multiplier=7,
    )
    stage("summary", started)
    return summary


def bg_nbd(args):
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    summary = read_summary(args)
    started = time.perf_counter()
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(summary["frequency"], summary["recency"], summary["T"])
    started = stage("bg_nbd_fit", started)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeat["frequency"], repeat["monetary_value"])
    started = stage("gamma_gamma_fit", started)
    out = summary.copy()
    out["p_alive"] = bgf.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"])
    started = stage("p_alive", started)
    # 12 months at 1 % a month; freq "W" tells lifetimes the summary is in weeks.
    out["clv"] = ggf.customer_lifetime_value(
        bgf,
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    started = stage("clv", started)
    out.to_csv(args.out, index_label="customer_id")
    stage("write", started)
    return {
        "model": "bg-nbd",
        "customers": len(summary),
        "repeat_customers": len(repeat),
        "params": {k: float(v) for k, v in bgf.params_.items()},
        "spend_model": {"params": {("gamma" if k == "v" else k): float(v) for k, v in ggf.params_.items()}},
        "total_clv": float(out["clv"].sum()),
        "seconds": STAGES,
    }


def pareto_nbd(args):
    import numpy as np
    from lifetimes import ParetoNBDFitter

    summary = read_summary(args)
    np.random.seed(0)  # lifetimes draws the Pareto/NBD's starting point at random
    started = time.perf_counter()
    pnf = ParetoNBDFitter(penalizer_coef=0.0)
    pnf.fit(summary["frequency"], summary["recency"], summary["T"])
    stage("pareto_nbd_fit", started)
    return {
        "model": "pareto-nbd",
        "customers": len(summary),
        "params": {k: float(v) for k, v in pnf.params_.items()},
        "seconds": STAGES,
    }


def same_to_4_digits(a, b):
    """Within half a unit of the 4th significant digit of b."""
    unit = 10.0 ** (math.floor(math.log10(abs(b))) - 3)
    return abs(a - b) <= unit / 2


def compare(args):
    with open(args.lifetimes) as f:
        ours = json.load(f)
    with open(args.rapport) as f:
        theirs = json.load(f)
    rows = [("", k, ours["params"][k], theirs["params"][k]) for k in theirs["params"]]
    if "spend_model" in ours and theirs.get("spend_model"):
        spend = theirs["spend_model"]["params"]
        rows += [("Gamma-Gamma ", k, ours["spend_model"]["params"][k], spend[k]) for k in spend]
    all_match = True
    for prefix, name, a, b in rows:
        match = same_to_4_digits(a, b)
        all_match &= match
        print(
            f"  {prefix + name:<18} lifetimes {a:<14.7g} rapport {b:<14.7g} "
            f"rel. diff {abs(a - b) / abs(b):.1e}  same to 4 digits: {'yes' if match else 'no'}"
        )
    print(f"  all parameters the same to 4 significant digits: {'yes' if all_match else 'no'}")


def compare_customers(args):
    import pandas as pd

    ours = pd.read_csv(args.lifetimes, dtype={"customer_id": str}, usecols=["customer_id", "p_alive", "clv"])
    theirs = pd.read_csv(args.rapport, dtype={"customer_id": str}, usecols=["customer_id", "p_alive", "clv"])
    both = ours.merge(theirs, on="customer_id", suffixes=("_lifetimes", "_rapport"))
    diff = (both["p_alive_lifetimes"] - both["p_alive_rapport"]).abs()
    print(
        f"  customers: lifetimes {len(ours)}, rapport {len(theirs)}, in both {len(both)}; "
        f"P(alive) largest difference {diff.max():.1e}, mean {diff.mean():.1e}; "
        f"total CLV lifetimes {both['clv_lifetimes'].sum():.4g}, rapport {both['clv_rapport'].sum():.4g}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("bg-nbd", "pareto-nbd"):
        p = commands.add_parser(name)
        p.add_argument("log")
        if name == "bg-nbd":
            p.add_argument("out")
        p.add_argument("--id-col", default="customer_id")
        p.add_argument("--date-col", default="date")
        p.add_argument("--amount-col", default="amount")
        p.add_argument("--date-format", default="%Y-%m-%d")
        p.add_argument("--calibration-end", help="YYYY-MM-DD; default: the log's last day")
        p.add_argument("--whitespace", action="store_true", help="whitespace separated, no header")
        p.add_argument("--columns", type=int, default=5, help="with --whitespace: number of columns")
    for name in ("compare", "compare-customers"):
        p = commands.add_parser(name)
        p.add_argument("lifetimes")
        p.add_argument("rapport")
    args = parser.parse_args()
    if args.command == "compare":
        compare(args)
    elif args.command == "compare-customers":
        compare_customers(args)
    else:
        result = bg_nbd(args) if args.command == "bg-nbd" else pareto_nbd(args)
        json.dump(result, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
