"""Batch runs: many scenarios x scripted trainees x seeds, in parallel over the cores.

Each run is an ordinary headless session (written to a folder, so any run can be
replayed or reviewed) followed by its outcome. Used by ``run_sim.py batch`` and for
calibration tables.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunSpec:
    """One run of a batch."""

    scenario_path: str
    policy: str
    seed: int
    out_dir: str
    difficulty: str | None = None


def run_one(spec: RunSpec) -> dict[str, Any]:
    """Run one session and return its record (scenario, policy, seed, outcome, scores).

    A run that fails returns a record with ``error`` instead of stopping the batch; its
    session folder still holds the log up to the failure.
    """
    try:
        return _run_one(spec)
    except Exception as error:  # noqa: BLE001 - one bad run must not sink the batch
        return {
            "scenario": Path(spec.scenario_path).stem,
            "scenario_file": spec.scenario_path,
            "policy": spec.policy,
            "seed": spec.seed,
            "session": spec.out_dir,
            "error": f"{type(error).__name__}: {error}",
        }


def _run_one(spec: RunSpec) -> dict[str, Any]:
    from scoring.outcome import outcome_from_events
    from simulator.core.events import read_log
    from simulator.policies import make_policy
    from simulator.scenario import load_scenario_file
    from simulator.session import EVENT_LOG, run_session

    loaded = load_scenario_file(spec.scenario_path, spec.difficulty)
    run_session(loaded, seed=spec.seed, policy=make_policy(spec.policy), out_dir=spec.out_dir)
    log = read_log(Path(spec.out_dir) / EVENT_LOG)
    record: dict[str, Any] = {
        "scenario": loaded.scenario.meta.id,
        "scenario_file": spec.scenario_path,
        "policy": spec.policy,
        "seed": spec.seed,
        "difficulty": spec.difficulty,
        "session": spec.out_dir,
        "outcome": outcome_from_events(log.events, loaded.scenario),
    }
    if loaded.scenario.checkpoints or loaded.scenario.assemblies:
        from scoring.security import security_outcome

        record["security"] = security_outcome(log.events, loaded.scenario)
    try:  # the scorecard arrives with the scoring module; outcomes alone until then
        from scoring.scorecard import build_scorecard
    except ImportError:
        record["scores"] = {}
    else:
        record["scores"] = build_scorecard(log, loaded.scenario).scores
    return record


def plan_runs(
    scenarios: Iterable[str],
    policies: Iterable[str],
    seeds: int,
    out_root: str | Path,
    difficulty: str | None = None,
) -> list[RunSpec]:
    """Every (scenario, policy, seed) combination, each with its own session folder."""
    root = Path(out_root)
    specs = []
    for scenario in scenarios:
        stem = Path(scenario).stem
        for policy in policies:
            for seed in range(seeds):
                folder = root / stem / policy / f"seed-{seed:03d}"
                specs.append(RunSpec(str(scenario), policy, seed, str(folder), difficulty))
    return specs


def run_batch(
    specs: list[RunSpec],
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every spec, ``jobs`` at a time (default: the number of cores); records in order."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: dict[int, dict[str, Any]] = {}
    if jobs == 1:
        for index, spec in enumerate(specs):
            results[index] = run_one(spec)
            if progress:
                progress(index + 1, len(specs))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(run_one, spec): index for index, spec in enumerate(specs)}
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress:
                    progress(done, len(specs))
    return [results[index] for index in range(len(specs))]


SUMMARY_FIELDS = (
    "civilians_killed_own",
    "civilians_injured_own",
    "civilians_killed_by_threat",
    "civilians_injured_by_threat",
    "protected_sites_damaged",
    "objectives_met",
)


def summarise(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and spread per scenario and policy, over seeds, of outcome counts and scores."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in records:
        if "error" in record:
            continue
        groups.setdefault((record["scenario"], record["policy"]), []).append(record)
    rows = []
    for (scenario, policy), items in groups.items():
        row: dict[str, Any] = {"scenario": scenario, "policy": policy, "runs": len(items)}
        values: dict[str, list[float]] = {}
        for item in items:
            for name in SUMMARY_FIELDS:
                values.setdefault(name, []).append(float(item["outcome"][name]))
            neutralised = len(item["outcome"]["hostiles_neutralised"])
            values.setdefault("hostiles_neutralised", []).append(float(neutralised))
            for name, score in (item.get("scores") or {}).items():
                values.setdefault(f"score.{name}", []).append(float(score))
            for name, count in (item.get("security") or {}).items():
                values.setdefault(f"security.{name}", []).append(float(count))
        for name, numbers in values.items():
            row[name] = {
                "mean": round(statistics.fmean(numbers), 2),
                "sd": round(statistics.pstdev(numbers), 2) if len(numbers) > 1 else 0.0,
            }
        rows.append(row)
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of :func:`summarise` rows: mean ± sd per column."""
    if not rows:
        return "(no runs)"
    columns = list(
        dict.fromkeys(
            key for row in rows for key in row if key not in ("scenario", "policy", "runs")
        )
    )
    header = ["scenario", "policy", "runs", *columns]
    lines = [header]
    for row in rows:
        cells = [row["scenario"], row["policy"], str(row["runs"])]
        for column in columns:
            value = row.get(column)
            cells.append("" if value is None else f"{value['mean']:g} ± {value['sd']:g}")
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths)) for line in lines
    )
