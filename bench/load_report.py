"""Print locust's CSV statistics as requests/s and p50/p95/p99 (ms) per endpoint, with the goals."""

import csv
import sys

PAGE_VIEWS = {"home", "board", "entry GET", "review page"}


def main(prefix: str) -> int:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    print(f"{'endpoint':<30} {'requests':>9} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    page_rps = 0.0
    worst_p95 = 0
    failures = 0
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        rps = float(row["Requests/s"])
        p50, p95, p99 = (int(float(row[k] or 0)) for k in ("50%", "95%", "99%"))
        print(f"{name:<30} {row['Request Count']:>9} {row['Failure Count']:>5} {rps:>7.1f} {p50:>6} {p95:>6} {p99:>6}")
        if name in PAGE_VIEWS:
            page_rps += rps
        if name != "ALL":
            worst_p95 = max(worst_p95, p95)
            failures += int(row["Failure Count"])
    print(f"\npage views (home, board, entry GET, review page): {page_rps:.1f} req/s  (goal ≥ 150)")
    print(f"worst p95 of any endpoint: {worst_p95} ms  (goal ≤ 300);  failures: {failures}  (goal 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
