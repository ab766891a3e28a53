"""The rates the drill's counters grow at: the signals of ``model`` turned into per-second
increments of every exported counter.

Kept apart from ``series`` (which integrates them) because this is the part a scenario author
tunes: how a fault's strength becomes failures, 5xx shares and slower flows. It runs once per 5 s
grid row, so the per-row work is kept to plain float operations.
"""

from __future__ import annotations

import math

from warroom.drill import fleet
from warroom.drill.model import NoiseBank, Signals, lognormal_cdf


class Rates:
    """``Series.rates`` for one ``Signals``: every counter's increment per second at ``t``, in
    ``Series.keys`` order, with the per-row invariants (noise keys, which signals a fault moves,
    constants) worked out once."""

    def __init__(self, signals: Signals, codes: tuple[str, ...], bounds: list[float]) -> None:
        s = signals
        seed = s.scenario.name
        self.s = s
        self.codes = codes
        self.n_faults = len(s.scenario.faults)
        self.impacts = list(s._impacts.items())  # noqa: SLF001 - same package: the model's own table
        self.repos = [(r.rate, r.pilot, f"fail:{r.name}") for r in fleet.REPOS]
        self.providers = [(p.requests_per_second, f"api_5xx:{p.name}", f"api_429:{p.name}") for p in fleet.PROVIDERS]
        self.exec_noise = NoiseBank([f"{seed}:exec:{r.name}" for r in fleet.REPOS], 120.0)
        self.fail_noise = NoiseBank([f"{seed}:fail:{r.name}" for r in fleet.REPOS], 200.0)
        self.lat_noise = NoiseBank([f"{seed}:lat"], 150.0)
        self.req_noise = NoiseBank([f"{seed}:req:{p.name}" for p in fleet.PROVIDERS], 60.0)
        self.noise_5xx = NoiseBank([f"{seed}:5xx:{p.name}" for p in fleet.PROVIDERS], 100.0)
        self.codes_5xx = list(s.scenario.codes_5xx.items())
        # codes are ("200", "429", *sorted 5xx codes): each 5xx code's part of the 5xx share
        plain = codes[:2] == ("200", "429") and not {"200", "429"} & set(s.scenario.codes_5xx)
        self.parts = [s.scenario.codes_5xx[c] for c in codes[2:]] if plain else None
        self.total_rate = sum(r.rate for r in fleet.REPOS)
        self.pilot_share = sum(r.rate for r in fleet.REPOS if r.pilot) / self.total_rate
        self.cdf_bounds = [None if math.isinf(b) else b for b in bounds]
        self.denom = fleet.LATENCY_SIGMA * math.sqrt(2.0)
        self.mean_factor = math.exp(fleet.LATENCY_SIGMA ** 2 / 2.0)

    def __call__(self, t: float) -> list[float]:
        s = self.s
        strength = [s.strength(i, t) for i in range(self.n_faults)]
        imp: dict[str, float] = {}
        for signal, pairs in self.impacts:
            total = 0.0
            for index, amount in pairs:
                total += amount * strength[index]
            imp[signal] = total
        get = imp.get
        running = s.running(t)
        pilot = s.pilot_only(t)
        out: list[float] = []
        exec_rates = []
        for (rate, is_pilot, _), wiggle in zip(self.repos, self.exec_noise.at(t), strict=True):
            if not running or (pilot and not is_pilot):
                exec_rates.append(0.0)
            else:
                exec_rates.append(rate * (1.0 + 0.12 * wiggle))
        median = fleet.LATENCY_MEDIAN * (1.0 + 0.04 * self.lat_noise.at(t)[0]) + get("latency", 0.0)
        timeouts = 1.0 - 0.5 * math.erfc(-math.log(fleet.HARD_TIMEOUT / median) / self.denom)
        out.extend(exec_rates)
        fail_all = get("fail:*", 0.0)
        for (_, _, signal), rate, wiggle in zip(self.repos, exec_rates, self.fail_noise.at(t), strict=True):
            if rate:
                base = fleet.BASE_FAILURE * (1.0 + 0.3 * wiggle)
                out.append(rate * min(1.0, base + (get(signal, 0.0) + fail_all) + timeouts))
            else:
                out.append(0.0)
        share = 0.0 if not running else (self.pilot_share if pilot else 1.0)
        all_5xx = get("api_5xx:*", 0.0)
        all_429 = get("api_429:*", 0.0)
        for (rps, sig_5xx, sig_429), w_req, w_5xx in zip(self.providers, self.req_noise.at(t), self.noise_5xx.at(t),
                                                         strict=True):
            total = rps * (1.0 + 0.08 * w_req) * share
            s5 = min(1.0, fleet.BASE_5XX * (1.0 + 0.5 * w_5xx) + (get(sig_5xx, 0.0) + all_5xx))
            s429 = min(min(1.0, fleet.BASE_429 + (get(sig_429, 0.0) + all_429)), 1.0 - s5)
            if self.parts is None:
                shares = {"200": max(0.0, 1.0 - s5 - s429), "429": s429}
                for code, part in self.codes_5xx:
                    shares[code] = shares.get(code, 0.0) + s5 * part
                for c in self.codes:
                    out.append(total * shares.get(c, 0.0))
            else:                       # the same shares, without the dict
                out.append(total * max(0.0, 1.0 - s5 - s429))
                out.append(total * s429)
                for part in self.parts:
                    out.append(total * (0.0 + s5 * part))
        flows = sum(exec_rates)
        log = math.log
        erfc = math.erfc
        denom = self.denom
        out.extend([flows * 1.0 if bound is None else
                    flows * (0.5 * erfc(-log(bound / median) / denom) if bound > 0.0 else 0.0)
                    for bound in self.cdf_bounds])
        out.append(flows)
        out.append(flows * median * self.mean_factor)
        return out


def healthy_rates(signals: Signals, codes: tuple[str, ...], bounds: list[float]) -> list[float]:
    """Rates of the undisturbed estate (noise-free), used to seed the counters' past."""
    out = []
    for repo in fleet.REPOS:
        out.append(repo.rate)
    for repo in fleet.REPOS:
        out.append(repo.rate * fleet.BASE_FAILURE)
    for p in fleet.PROVIDERS:
        for c in codes:
            share = {"200": 1 - fleet.BASE_5XX - fleet.BASE_429, "429": fleet.BASE_429}.get(
                c, fleet.BASE_5XX * signals.scenario.codes_5xx.get(c, 0.0))
            out.append(p.requests_per_second * share)
    flows = sum(r.rate for r in fleet.REPOS)
    for bound in bounds:
        out.append(flows * (1.0 if math.isinf(bound) else lognormal_cdf(bound, fleet.LATENCY_MEDIAN)))
    out.append(flows)
    out.append(flows * fleet.LATENCY_MEDIAN * math.exp(fleet.LATENCY_SIGMA ** 2 / 2.0))
    return out
