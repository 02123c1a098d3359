"""Write a realism comparison as ``report.json``, PNG figures and one ``report.html`` page.

Figures use matplotlib's Agg backend (no display needed); every file is written
atomically. The HTML page embeds the PNGs by relative path, so the folder can be
moved or zipped as a whole and figures pasted into a paper.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from ..base.atomic import atomic_path
from ..base.errors import InputError
from .compare import CHANNELS, Comparison

SIM_COLOR = "#0072B2"  # Okabe-Ito blue / vermillion: colour-blind safe
REAL_COLOR = "#D55E00"


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _grid(plt, title):
    fig, axes = plt.subplots(2, 4, figsize=(14, 6), constrained_layout=True)
    fig.suptitle(title)
    return fig, axes.ravel()


def _save(fig, path: Path) -> None:
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)


def _label(ch: str) -> str:
    sensor, axis = ch.split("_")
    unit = "m/s²" if sensor == "acc" else "rad/s"
    return f"{'|acc|' if ch == 'acc_mag' else '|gyro|' if ch == 'gyro_mag' else ch} ({unit})"


def figures(cmp: Comparison, out: Path, names=("simulated", "real"), prefix: str = "") -> List[str]:
    """Write the figures; returns their file names."""
    plt = _plt()
    c, n = cmp.curves, cmp.numbers
    files = []
    fig, axs = _grid(plt, "Distributions (shared bins); W = Wasserstein distance")
    for ax, ch in zip(axs, CHANNELS):
        edges, hs, hr = c["hist"][ch]
        mid = 0.5 * (edges[1:] + edges[:-1])
        ax.step(mid, hs, where="mid", color=SIM_COLOR, label=names[0])
        ax.step(mid, hr, where="mid", color=REAL_COLOR, label=names[1])
        ax.set_title(f"{ch}  W={n['channels'][ch]['wasserstein']:.3g}", fontsize=9)
        ax.set_xlabel(_label(ch), fontsize=8)
    axs[0].legend(fontsize=8)
    files.append(f"{prefix}histograms.png")
    _save(fig, out / files[-1])

    fig, axs = _grid(plt, f"Welch power spectra (nperseg {n['welch_nperseg']}); D = log-spectral distance")
    for ax, ch in zip(axs, CHANNELS):
        f, ps, pr = c["psd"][ch]
        ax.semilogy(f[1:], ps[1:], color=SIM_COLOR, label=names[0])
        ax.semilogy(f[1:], pr[1:], color=REAL_COLOR, label=names[1])
        ax.set_title(f"{ch}  D={n['channels'][ch]['spectral_distance_db']:.2f} dB", fontsize=9)
        ax.set_xlabel("Hz", fontsize=8)
    axs[0].legend(fontsize=8)
    files.append(f"{prefix}spectra.png")
    _save(fig, out / files[-1])

    fig, axs = _grid(plt, "Autocorrelation")
    for ax, ch in zip(axs, CHANNELS):
        lag, a_s, a_r = c["acf"][ch]
        ax.plot(lag, a_s, color=SIM_COLOR, label=names[0])
        ax.plot(lag, a_r, color=REAL_COLOR, label=names[1])
        ax.axhline(0, color="0.7", lw=0.5)
        rmse = n["channels"][ch]["acf_rmse"]
        ax.set_title(f"{ch}  rmse={rmse:.3g}" if rmse is not None else ch, fontsize=9)
        ax.set_xlabel("lag (s)", fontsize=8)
    axs[0].legend(fontsize=8)
    files.append(f"{prefix}autocorrelation.png")
    _save(fig, out / files[-1])

    al = c["aligned"]
    lag, rate = al["lag"], c["rate_hz"]
    fig, axs = plt.subplots(2, 1, figsize=(12, 5), sharex=True, constrained_layout=True)
    fig.suptitle(
        f"Aligned by cross-correlation of |gyro|: real[n] ~ sim[n - {lag}] "
        f"({lag / rate:+.2f} s, r = {n['alignment']['pearson_r'] or float('nan'):.2f})"
    )
    for ax, cols, name in ((axs[0], slice(0, 3), "|acc| (m/s²)"), (axs[1], slice(3, 6), "|gyro| (rad/s)")):
        ts = (np.arange(len(al["sim"])) + lag) / rate
        tr = np.arange(len(al["real"])) / rate
        ax.plot(ts, np.linalg.norm(al["sim"][:, cols], axis=1), color=SIM_COLOR, label=names[0])
        ax.plot(tr, np.linalg.norm(al["real"][:, cols], axis=1), color=REAL_COLOR, label=names[1])
        ax.set_ylabel(name)
    axs[1].set_xlabel("time in the real recording (s)")
    axs[0].legend(fontsize=8)
    files.append(f"{prefix}aligned.png")
    _save(fig, out / files[-1])

    allan = c.get("allan", {})
    if any(v.get("found") for v in allan.values()):
        fig, axs = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
        fig.suptitle("Allan deviation of the longest stationary stretch")
        for side, color in (("sim", SIM_COLOR), ("real", REAL_COLOR)):
            v = allan.get(side, {})
            if not v.get("found"):
                continue
            for ax, sensor in zip(axs, ("acc", "gyro")):
                for k in "xyz":
                    d = v[f"{sensor}_{k}"]
                    ax.loglog(
                        d["taus"],
                        d["adev"],
                        color=color,
                        alpha=0.8,
                        label=f"{names[0] if side == 'sim' else names[1]}" if k == "x" else None,
                    )
        for ax, sensor in zip(axs, ("acc (m/s²)", "gyro (rad/s)")):
            ax.set_xlabel("τ (s)")
            ax.set_ylabel(f"σ_A {sensor}")
            ax.legend(fontsize=8)
        files.append(f"{prefix}allan.png")
        _save(fig, out / files[-1])
    return files


def _table(numbers: Dict[str, Any]) -> str:
    rows = [
        "<tr><th>channel</th><th>Wasserstein</th><th>W / std(real)</th><th>spectral distance (dB)</th>"
        "<th>ACF rmse</th><th>mean sim / real</th><th>std sim / real</th></tr>"
    ]
    for ch, v in numbers["channels"].items():
        acf = "–" if v["acf_rmse"] is None else f"{v['acf_rmse']:.3f}"
        rows.append(
            f"<tr><td>{ch} ({html.escape(v['unit'])})</td><td>{v['wasserstein']:.4g}</td>"
            f"<td>{v['wasserstein_over_real_std']:.3f}</td><td>{v['spectral_distance_db']:.2f}</td>"
            f"<td>{acf}</td><td>{v['mean'][0]:.3g} / {v['mean'][1]:.3g}</td>"
            f"<td>{v['std'][0]:.3g} / {v['std'][1]:.3g}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def write_report(
    out_dir: str | os.PathLike,
    comparisons: Dict[str, Comparison],
    inputs: Dict[str, Any],
    calibration: Optional[Dict[str, Any]] = None,
    title: str = "Realism report",
) -> Dict[str, Path]:
    """Write ``report.json``, figures per comparison and ``report.html``.

    ``comparisons``: e.g. ``{"before": cmp, "after_geometric": cmp2}``. Figure names are
    stable: ``<comparison>_<figure>.png`` (``before_spectra.png``) whatever else is in the
    report. The page opens with the verdict (each distance beside its real-vs-real
    floor) and the warnings, then the figures and tables; the inputs and the
    calibration as JSON come last.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(out, "output must be a folder")
    out.mkdir(parents=True, exist_ok=True)
    written: Dict[str, Path] = {}
    figs: Dict[str, List[str]] = {}
    for key, cmp in comparisons.items():
        figs[key] = figures(cmp, out, prefix=f"{key}_")
    report = {
        "title": title,
        "verdict": {k: c.numbers.get("verdict") for k, c in comparisons.items()},
        "warnings": report_warnings(comparisons, inputs),
        "inputs": inputs,
        "calibration": calibration or {"applied": []},
        "comparisons": {k: c.numbers for k, c in comparisons.items()},
        "figures": figs,
        "definitions": {
            "wasserstein": "scipy.stats.wasserstein_distance of the pooled samples (channel units)",
            "spectral_distance_db": "RMS over Welch frequencies > 0 of 10 log10(P_sim / P_real)",
            "acf_rmse": "RMS difference of the normalised autocorrelations up to the lag shown",
            "alignment": "lag maximising Pearson r of |gyro| over >= 80 % overlap",
            "real_vs_real_floor": "the same distances between two halves of the real set (even/odd parts, or the "
            "two halves of one recording): how far the real data is from itself",
        },
    }
    jp = out / "report.json"
    with atomic_path(jp, suffix=".json") as tmp:
        tmp.write_text(json.dumps(report, indent=2, default=_json_default), encoding="utf-8")
    written["json"] = jp
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1500px;margin:1em auto}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #bbb;padding:3px 8px}"
        "img{max-width:100%}.verdict{font-size:17px;padding:6px 10px;border-left:5px solid #888}"
        ".verdict.close{border-color:#009E73}.verdict.moderate{border-color:#E69F00}.verdict.far{border-color:#D55E00}"
        ".warnings li{color:#8a4b00}.note{color:#555;font-size:13px}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts += _verdict_html(comparisons, report["warnings"])
    for key, cmp in comparisons.items():
        s = cmp.numbers["summary"]
        parts.append(
            f"<h2>{html.escape(key)}</h2><p>rate {cmp.numbers['rate_hz']:g} Hz, gravity "
            f"{cmp.numbers['gravity']}; mean Wasserstein acc xyz {s['wasserstein_mean_acc_xyz']:.3g} m/s², "
            f"gyro xyz {s['wasserstein_mean_gyro_xyz']:.3g} rad/s; mean spectral distance "
            f"{s['spectral_distance_db_mean']:.2f} dB; steps: sim "
            f"{html.escape('; '.join(cmp.numbers['sets']['sim']['steps']) or 'none')}, real "
            f"{html.escape('; '.join(cmp.numbers['sets']['real']['steps']) or 'none')}</p>"
        )
        parts += [f"<p><img src='{html.escape(f)}' alt='{html.escape(f)}'></p>" for f in figs[key]]
        parts.append(_table(cmp.numbers))
    parts.append("<h2>Inputs</h2><pre>" + html.escape(json.dumps(inputs, indent=2, default=_json_default)) + "</pre>")
    if calibration and calibration.get("applied"):
        parts.append(
            "<h2>Calibration applied</h2><pre>"
            + html.escape(json.dumps(calibration, indent=2, default=_json_default)[:20000])
            + "</pre>"
        )
    parts.append("</body></html>")
    hp = out / "report.html"
    with atomic_path(hp, suffix=".html") as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8", errors="backslashreplace")  # names in other locales
    written["html"] = hp
    return written


def report_warnings(comparisons: Dict[str, Comparison], inputs: Dict[str, Any]) -> List[str]:
    """What the reader must know before trusting the numbers (short data, unsynchronised recordings)."""
    out: List[str] = []
    for cmp in comparisons.values():
        out += [w for w in cmp.numbers.get("warnings", []) if w not in out]
    if not inputs.get("synchronised", False):
        out.append(
            "the recordings are not assumed to be synchronised (pass --synchronised if they were recorded "
            "together): the lag and correlation of the 'aligned' figure only show the best overlap of two "
            "independent recordings"
        )
    return out


def _verdict_html(comparisons: Dict[str, Comparison], warnings: List[str]) -> List[str]:
    parts = ["<h2>Verdict</h2>"]
    for key, cmp in comparisons.items():
        v = cmp.numbers.get("verdict")
        if not v:
            continue
        label = "" if len(comparisons) == 1 else f"<b>{html.escape(key)}</b>: "
        parts.append(f"<p class='verdict {v['level']}'>{label}{html.escape(v['text'])}</p>")
        rows = ["<tr><th>distance</th><th>simulated vs real</th><th>real vs real (floor)</th><th>ratio</th></tr>"]
        for r in v["metrics"].values():
            floor = "–" if r["real_vs_real"] is None else f"{r['real_vs_real']:.3g} {r['unit']}"
            ratio = "–" if r["ratio"] is None else f"{r['ratio']:.2g}×"
            rows.append(
                f"<tr><td>{html.escape(r['what'])}</td><td>{r['sim_vs_real']:.3g} {r['unit']}</td>"
                f"<td>{floor}</td><td>{ratio}</td></tr>"
            )
        parts.append("<table>" + "".join(rows) + "</table>")
        how = cmp.numbers.get("floor", {}).get("how")
        if how:
            parts.append(f"<p class='note'>floor: {html.escape(how)}</p>")
    if warnings:
        parts.append("<ul class='warnings'>" + "".join(f"<li>⚠ {html.escape(w)}</li>" for w in warnings) + "</ul>")
    return parts


def _json_default(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
