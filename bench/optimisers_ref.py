"""Reference optimisers for bench/optimisers.bench.ts (ADR-134): Debian's python3-cmaes (CMA)
and python3-deap (NSGA-II) on sphere / Rosenbrock / Rastrigin. Reads one JSON job on stdin,
prints one JSON result: evaluations until the target was first reached (null = not within budget)."""
import json
import random
import sys

import numpy as np
import cmaes
import deap
from deap import base, creator, tools


def f_sphere(x):
    return float(sum(v * v for v in x))


def f_rosenbrock(x):
    return float(sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1)))


def f_rastrigin(x):
    return float(10 * len(x) + sum(v * v - 10 * np.cos(2 * np.pi * v) for v in x))


FUNS = {"sphere": f_sphere, "rosenbrock": f_rosenbrock, "rastrigin": f_rastrigin}


def run_cma(fun, d, lo, hi, start, target, budget, seed):
    opt = cmaes.CMA(mean=np.full(d, start, dtype=float), sigma=0.3 * (hi - lo), bounds=np.array([[lo, hi]] * d, dtype=float), seed=seed)
    evals = 0
    while evals < budget:
        sols = []
        for _ in range(opt.population_size):
            x = opt.ask()
            v = fun(x)
            evals += 1
            if v <= target:
                return evals
            sols.append((x, v))
        opt.tell(sols)
    return None


def run_nsga2(fun, d, lo, hi, start, target, budget, seed, pop_size=40):
    random.seed(seed)
    if not hasattr(creator, "FitMin"):
        creator.create("FitMin", base.Fitness, weights=(-1.0,))
        creator.create("Ind", list, fitness=creator.FitMin)
    tb = base.Toolbox()
    tb.register("mate", tools.cxSimulatedBinaryBounded, low=lo, up=hi, eta=20.0)
    tb.register("mutate", tools.mutPolynomialBounded, low=lo, up=hi, eta=20.0, indpb=1.0 / d)
    evals = 0
    pop = [creator.Ind([start] * d)] + [creator.Ind([random.uniform(lo, hi) for _ in range(d)]) for _ in range(pop_size - 1)]
    for ind in pop:
        ind.fitness.values = (fun(ind),)
        evals += 1
        if ind.fitness.values[0] <= target:
            return evals
    pop = tools.selNSGA2(pop, pop_size)
    while evals < budget:
        off = [tb.clone(i) for i in tools.selTournamentDCD(pop, pop_size)]
        for a, b in zip(off[::2], off[1::2]):
            if random.random() <= 0.9:
                tb.mate(a, b)
            tb.mutate(a)
            tb.mutate(b)
            del a.fitness.values, b.fitness.values
        for ind in off:
            ind.fitness.values = (fun(ind),)
            evals += 1
            if ind.fitness.values[0] <= target:
                return evals
        pop = tools.selNSGA2(pop + off, pop_size)
    return None


def main():
    job = json.load(sys.stdin)
    out = {"cmaes_version": getattr(cmaes, "__version__", "0.9.1"), "deap_version": deap.__version__, "runs": []}
    for p in job["problems"]:
        fun = FUNS[p["name"]]
        for seed in job["seeds"]:
            for name, run in (("python3-cmaes CMA", run_cma), ("python3-deap NSGA-II", run_nsga2)):
                e = run(fun, job["d"], job["lo"], job["hi"], job["start"], p["target"], job["budget"], seed)
                out["runs"].append({"optimiser": name, "problem": p["name"], "seed": seed, "evals": e})
    json.dump(out, sys.stdout)


main()
