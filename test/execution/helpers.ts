import type { InstrumentSpec } from "../../sdk/contracts/market";
import type { Fill, Intent } from "../../sdk/contracts/trading";
import { ExecutionConfigSchema, type ExecutionConfig } from "../../sdk/execution/config";
import { ExecutionEngine, type SymbolExecContext } from "../../sdk/execution/executor";
import type { CycleRecord } from "../../sdk/execution/cycle";
import { Ledger } from "../../sdk/ledger/ledger";

export const BTC: InstrumentSpec = { symbol: "BTC", tick_size: 0.1, lot_size: 0.001, min_notional: 1 };

export function harness(cfgIn: Record<string, unknown> = {}, insts: InstrumentSpec[] = [BTC]) {
  const cfg: ExecutionConfig = ExecutionConfigSchema.parse(cfgIn);
  const ledger = new Ledger(10_000, insts.map((i) => i.symbol));
  const intents: Intent[] = [];
  const fills: Fill[] = [];
  const cycles: CycleRecord[] = [];
  const exec = new ExecutionEngine(cfg, insts, ledger, {
    intent: (i) => intents.push(i),
    fill: (f) => fills.push(f),
    cycle: (c) => cycles.push(c),
  });
  return { cfg, ledger, exec, intents, fills, cycles };
}

export function ctx(over: Partial<SymbolExecContext> = {}): SymbolExecContext {
  return { step_pct: 0.01, adds_allowed: true, damage_control: false, reduce_only: false, stopped: false, ...over };
}
