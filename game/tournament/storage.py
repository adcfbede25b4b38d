"""Where a tournament's results live: DIR/auctions.sqlite as it runs, DIR/auctions.csv from it.

Finished auctions are committed to SQLite at least every quarter second
(one commit per auction cost more than the rest of the parent's work), and
at once on the end, on Ctrl-C and on any error, so an interrupted run keeps
every finished auction and ``--resume`` knows what is left. The CSV is
written from the database in auction order with fixed formatting, so the
same tournament gives the same bytes whatever the number of jobs or
interruptions. Tables: ``meta`` (the tournament's settings), ``auctions``
(one row per auction, the CSV's columns), ``seats`` (one row per seat of
each auction: strategy, lots, MHz, payment, value, utility, failures),
``failures`` and ``price_paths``; with ``--baseline``: ``paired_runs`` (one
row per auction of the paired deviation analysis) and ``deviations`` (its
result); ``empirical_game`` (payoff per strategy and rival mix, with the
equilibrium probability). Never imports pygame.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from game.formats.meta import read_settings
from game.tournament.paired import PairedRun
from game.tournament.play import AuctionRecord

DB_NAME = "auctions.sqlite"
CSV_NAME = "auctions.csv"
COMMIT_EVERY_S = 0.25
MEASURE_COLUMNS = (
    "surplus_usd", "optimal_surplus_usd", "liquid_welfare_usd", "liquid_welfare_bound_usd", "liquid_efficiency",
    "liquid_bound_exact", "gross_efficiency",
)
"""After ``efficiency`` (the headline, surplus over reserve): the measures of docs/METRICS.md."""
RATIO_COLUMNS = ("efficiency", "liquid_efficiency", "gross_efficiency")
SEAT_FIELDS = ("strategy", "lots", "mhz", "payment_usd", "forfeited_usd", "value_usd", "utility_usd", "failures")


class StorageError(ValueError):
    """An output directory that cannot be used as asked (another tournament, unreadable database)."""


def fmt_tenths(tenths: int) -> str:
    """Exact MHz text from tenths.

    >>> fmt_tenths(1248), fmt_tenths(50), fmt_tenths(0)
    ('124.8', '5', '0')
    """
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}" if tenth else str(whole)


def fmt_lots(lots: Mapping[str, int], bands: Sequence[str]) -> str:
    """Lots won per band, bands with none left out: ``700:1;2600:8``."""
    return ";".join(f"{b}:{lots[b]}" for b in bands if lots.get(b, 0))


def csv_columns(bidders: Sequence[str]) -> list[str]:
    cols = [
        "auction", "seed", "status", "rounds", "revenue_usd", "welfare_usd", "optimal_welfare_usd", "efficiency",
        *MEASURE_COLUMNS,
    ]
    for b in bidders:
        cols += [f"{b}_{f}" for f in SEAT_FIELDS]
    cols.append("failure_detail")
    return cols


def csv_row(record: AuctionRecord, bands: Sequence[str]) -> list[Any]:
    row: list[Any] = [
        record.index, record.seed, record.status, record.rounds, record.revenue_usd,
        record.welfare_usd, record.optimal_welfare_usd, record.efficiency,
        record.surplus_usd, record.optimal_surplus_usd, record.liquid_welfare_usd, record.liquid_welfare_bound_usd,
        record.liquid_efficiency, int(record.liquid_bound_exact), record.gross_efficiency,
    ]
    details: list[str] = []
    for seat in record.seats:
        row += [
            seat.strategy, fmt_lots(seat.lots, bands), fmt_tenths(seat.won_tenths), seat.payment_usd,
            seat.forfeited_usd, seat.value_usd, seat.utility_usd, len(seat.failures),
        ]
        for f in seat.failures:
            message = f.message if len(f.message) <= 300 else f.message[:297] + "..."
            details.append(f"{seat.bidder}/{seat.strategy} round {f.round} {f.kind}: {message}")
    row.append(" | ".join(details))
    return row


class ResultStore:
    """The SQLite database of one tournament directory."""

    def __init__(self, out_dir: str | Path, settings: Mapping[str, Any], bidders: Sequence[str],
                 bands: Sequence[str], *, resume: bool) -> None:
        self.dir = Path(out_dir)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the output directory {out_dir}: {exc.strerror}") from None
        self.path = self.dir / DB_NAME
        self.bidders = tuple(bidders)
        self.bands = tuple(bands)
        self.columns = csv_columns(bidders)
        self._committed = time.monotonic()
        self.limit: int | None = None
        """Only auctions numbered up to this go into the CSV and the leaderboard (a resume may ask for fewer)."""
        existed = self.path.exists()
        try:
            self.db = sqlite3.connect(self.path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._open(settings, existed=existed, resume=resume)
            self._analysis_tables()
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{self.path}: not a usable tournament database: {exc}") from None

    def _open(self, settings: Mapping[str, Any], *, existed: bool, resume: bool) -> None:
        wanted = json.dumps(settings, sort_keys=True)
        if existed:
            row = self.db.execute(
                "SELECT value FROM meta WHERE key = 'settings'"
            ).fetchone() if self._has_table("meta") else None
            if row is None:
                raise StorageError(f"{self.path} exists but holds no tournament; choose another --out")
            if not resume:
                raise StorageError(
                    f"{self.dir} already holds a tournament ({self.done_count()} auction(s) done); "
                    "add --resume to continue it, or choose another --out"
                )
            if row[0] != wanted:
                try:
                    had = read_settings(row[0], f"{self.path} (meta)")  # schema: game/formats/meta.py
                except ValueError as exc:
                    raise StorageError(str(exc)) from None
                diff = [f"{k}: {had.get(k)!r} there, {settings.get(k)!r} now"
                        for k in sorted(set(had) | set(settings)) if had.get(k) != settings.get(k)]
                raise StorageError(f"cannot resume {self.dir}: the settings differ ({'; '.join(diff)})")
            stored = [r[1] for r in self.db.execute("PRAGMA table_info(auctions)")]
            if stored != self.columns:
                raise StorageError(
                    f"cannot resume {self.dir}: its auctions table has other columns (an older version wrote it; "
                    "it lacks the efficiency measures); choose another --out"
                )
            return
        cols = ", ".join(f'"{c}"' for c in self.columns)
        self.db.executescript(
            f"""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE auctions ({cols}, PRIMARY KEY (auction));
            CREATE TABLE seats (auction INTEGER, seat INTEGER, bidder TEXT, strategy TEXT, lots TEXT,
                won_tenths INTEGER, payment_usd INTEGER, forfeited_usd INTEGER, value_usd INTEGER,
                utility_usd INTEGER, failures INTEGER, PRIMARY KEY (auction, seat));
            CREATE TABLE failures (auction INTEGER, bidder TEXT, strategy TEXT, round INTEGER, kind TEXT,
                message TEXT);
            CREATE TABLE price_paths (auction INTEGER, round INTEGER, band TEXT, posted_price_usd INTEGER,
                PRIMARY KEY (auction, band, round));
            """
        )
        self.db.execute("INSERT INTO meta VALUES ('settings', ?)", (wanted,))
        self.db.execute("INSERT INTO meta VALUES ('bidders', ?)", (json.dumps(self.bidders),))
        self.db.execute("INSERT INTO meta VALUES ('bands', ?)", (json.dumps(self.bands),))
        self.db.commit()

    def _analysis_tables(self) -> None:
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS paired_runs (auction INTEGER, deviator_seat INTEGER, strategy TEXT,
                revenue_usd INTEGER, efficiency REAL, utilities_usd TEXT, PRIMARY KEY (auction, deviator_seat, strategy));
            CREATE TABLE IF NOT EXISTS deviations (baseline TEXT, strategy TEXT, seat TEXT, bidder TEXT, pairs INTEGER,
                mean_gain_usd TEXT, gain_ci95_low_usd TEXT, gain_ci95_high_usd TEXT, mean_revenue_change_usd TEXT,
                revenue_change_ci95_low_usd TEXT, revenue_change_ci95_high_usd TEXT, mean_efficiency_change TEXT,
                efficiency_change_ci95_low TEXT, efficiency_change_ci95_high TEXT);
            CREATE TABLE IF NOT EXISTS empirical_game (strategy TEXT, opponents TEXT, plays INTEGER,
                mean_utility_usd TEXT, equilibrium_probability TEXT);
            """
        )
        self.db.commit()

    def _has_table(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None

    def done(self) -> set[int]:
        return {int(r[0]) for r in self.db.execute("SELECT auction FROM auctions")}

    def done_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM auctions").fetchone()[0])

    @contextlib.contextmanager
    def _batch(self) -> Iterator[None]:
        """Writes that join the open transaction; committed once COMMIT_EVERY_S has passed since the last commit.

        A write that fails (a bug) rolls the open batch back rather than keep half an auction; ``--resume``
        plays the batch's auctions again."""
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        now = time.monotonic()
        if now - self._committed >= COMMIT_EVERY_S:
            self.db.commit()
            self._committed = now

    def commit(self) -> None:
        self.db.commit()
        self._committed = time.monotonic()

    def add(self, record: AuctionRecord) -> None:
        """Store one finished auction (committed with the next batch)."""
        with self._batch():
            marks = ", ".join("?" for _ in self.columns)
            self.db.execute(f"INSERT OR REPLACE INTO auctions VALUES ({marks})", csv_row(record, self.bands))
            self.db.execute("DELETE FROM seats WHERE auction = ?", (record.index,))
            self.db.execute("DELETE FROM failures WHERE auction = ?", (record.index,))
            self.db.execute("DELETE FROM price_paths WHERE auction = ?", (record.index,))
            self.db.executemany(
                "INSERT INTO seats VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (record.index, i, s.bidder, s.strategy, fmt_lots(s.lots, self.bands), s.won_tenths,
                     s.payment_usd, s.forfeited_usd, s.value_usd, s.utility_usd, len(s.failures))
                    for i, s in enumerate(record.seats)
                ],
            )
            self.db.executemany(
                "INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?)",
                [(record.index, s.bidder, s.strategy, f.round, f.kind, f.message) for s in record.seats for f in s.failures],
            )
            self.db.executemany(
                "INSERT INTO price_paths VALUES (?, ?, ?, ?)",
                [(record.index, r + 1, band, p) for band, path in record.price_paths.items() for r, p in enumerate(path)],
            )

    def add_paired(self, run: PairedRun) -> None:
        """Store one auction of the paired deviation analysis (committed with the next batch)."""
        with self._batch():
            self.db.execute(
                "INSERT OR REPLACE INTO paired_runs VALUES (?, ?, ?, ?, ?, ?)",
                (run.auction, run.deviator, run.strategy, run.revenue_usd, run.efficiency, ",".join(map(str, run.utilities))),
            )

    def paired_done(self) -> set[tuple[int, int, str]]:
        return {(int(a), int(d), str(s)) for a, d, s in self.db.execute("SELECT auction, deviator_seat, strategy FROM paired_runs")}

    def paired_runs(self, upto: int) -> list[PairedRun]:
        return [
            PairedRun(int(a), int(d), str(s), int(r), float(e), tuple(int(u) for u in str(us).split(",")))
            for a, d, s, r, e, us in self.db.execute(
                "SELECT auction, deviator_seat, strategy, revenue_usd, efficiency, utilities_usd FROM paired_runs "
                "WHERE auction <= ? ORDER BY auction, deviator_seat, strategy", (upto,),
            )
        ]

    def replace_table(self, name: str, rows: Sequence[Sequence[object]]) -> None:
        """Rewrite an analysis table (``deviations``, ``empirical_game``) with the latest result."""
        if name not in ("deviations", "empirical_game"):
            raise ValueError(f"not an analysis table: {name}")
        with self.db:
            self.db.execute(f"DELETE FROM {name}")
            if rows:
                marks = ", ".join("?" for _ in rows[0])
                self.db.executemany(f"INSERT INTO {name} VALUES ({marks})", [[str(v) for v in r] for r in rows])

    def seat_strategies(self) -> list[tuple[int, int, str, int]]:
        """(auction, seat, strategy, utility) of the tournament's own auctions, in order."""
        return [
            (int(a), int(j), str(s), int(u))
            for a, j, s, u in self.db.execute(
                "SELECT auction, seat, strategy, utility_usd FROM seats WHERE auction <= ? ORDER BY auction, seat",
                (self._upto(),),
            )
        ]

    def rows(self) -> list[tuple[Any, ...]]:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        return list(self.db.execute(f"SELECT {cols} FROM auctions WHERE auction <= ? ORDER BY auction", (self._upto(),)))

    def _upto(self) -> int:
        return self.limit if self.limit is not None else 2**62

    def seat_rows(self) -> list[tuple[int, str, int, int, int, float, int]]:
        """(auction, strategy, utility, won_tenths, failures, efficiency, revenue) for every seat, in order."""
        return list(self.db.execute(
            "SELECT s.auction, s.strategy, s.utility_usd, s.won_tenths, s.failures, a.efficiency, a.revenue_usd "
            "FROM seats s JOIN auctions a ON a.auction = s.auction WHERE s.auction <= ? ORDER BY s.auction, s.seat",
            (self._upto(),),
        ))

    def price_path(self, auction: int) -> dict[str, list[int]]:
        paths: dict[str, list[int]] = {}
        for band, price in self.db.execute(
            "SELECT band, posted_price_usd FROM price_paths WHERE auction = ? ORDER BY band, round", (auction,)
        ):
            paths.setdefault(band, []).append(price)
        return {b: paths[b] for b in self.bands if b in paths}

    def write_csv(self) -> Path:
        """DIR/auctions.csv from the database, in auction order, written atomically."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        ratios = [self.columns.index(c) for c in RATIO_COLUMNS]
        for row in self.rows():
            out = list(row)
            for i in ratios:
                out[i] = f"{row[i]:.6f}"
            writer.writerow(out)
        return write_text_atomic(self.dir / CSV_NAME, buf.getvalue())

    def close(self) -> None:
        self.db.commit()
        self.db.close()


def write_text_atomic(path: Path, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
