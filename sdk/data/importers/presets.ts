import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { InstrumentSpec } from "../../contracts/market";

/** Contract terms an import may set on the instrument it writes (ADR-121). */
export interface ContractImportOptions {
  /** A venue preset: the symbol's tick, lot and contract terms (`binance-coinm`). */
  preset?: string;
  /** Explicit contract multiplier (quote per contract when inverse, base per contract when linear). */
  multiplier?: number;
  /** Explicit inverse flag. */
  inverse?: boolean;
}

type Preset = Omit<InstrumentSpec, "symbol">;

/**
 * Instrument presets by venue and symbol (ADR-121). Binance COIN-M perpetuals are inverse
 * contracts of a fixed USD face value: BTCUSD_PERP 100 USD (tick 0.1), ETHUSD_PERP 10 USD
 * (tick 0.01); quantities are whole contracts (lot 1), so an import never reads `1` as 1 BTC.
 */
export const INSTRUMENT_PRESETS: Readonly<Record<string, Readonly<Record<string, Preset>>>> = {
  "binance-coinm": {
    BTCUSD_PERP: { tick_size: 0.1, lot_size: 1, min_notional: 0, contract_multiplier: 100, inverse: true },
    ETHUSD_PERP: { tick_size: 0.01, lot_size: 1, min_notional: 0, contract_multiplier: 10, inverse: true },
  },
};

/** The preset of `symbol` under `preset`; an unknown preset or symbol is refused with the known ones. */
export function instrumentPreset(preset: string, symbol: string): Preset {
  const venue = INSTRUMENT_PRESETS[preset];
  if (venue === undefined)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `unknown instrument preset '${preset}' (one of ${Object.keys(INSTRUMENT_PRESETS).join(", ")})`, { field: "preset" });
  const p = venue[symbol.toUpperCase()];
  if (p === undefined)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `preset '${preset}' has no symbol '${symbol}' (one of ${Object.keys(venue).join(", ")}; pass --symbol)`, { field: "symbol" });
  return p;
}

/** Tick / lot overrides a preset brings before inference (the user's --tick / --lot win). */
export function presetOverrides(c: ContractImportOptions | undefined, symbol: string | undefined, given: { tick_size?: number; lot_size?: number; min_notional?: number }): typeof given {
  if (c?.preset === undefined || symbol === undefined) return given;
  const p = instrumentPreset(c.preset, symbol);
  return { tick_size: given.tick_size ?? p.tick_size, lot_size: given.lot_size ?? p.lot_size, min_notional: given.min_notional ?? p.min_notional };
}

/** The instrument with the import's contract terms applied (preset first, explicit values override). */
export function withContractTerms(spec: InstrumentSpec, c: ContractImportOptions | undefined): InstrumentSpec {
  if (c === undefined || (c.preset === undefined && c.multiplier === undefined && c.inverse === undefined)) return spec;
  const out: InstrumentSpec = { ...spec };
  if (c.preset !== undefined) {
    const p = instrumentPreset(c.preset, spec.symbol);
    if (p.contract_multiplier !== undefined) out.contract_multiplier = p.contract_multiplier;
    if (p.inverse !== undefined) out.inverse = p.inverse;
  }
  if (c.multiplier !== undefined) {
    if (!(c.multiplier > 0) || !Number.isFinite(c.multiplier))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `contract multiplier must be a positive number, got ${c.multiplier}`, { field: "contract-multiplier" });
    out.contract_multiplier = c.multiplier;
  }
  if (c.inverse !== undefined) out.inverse = c.inverse;
  if (out.contract_multiplier === 1) delete out.contract_multiplier;
  if (out.inverse === false) delete out.inverse;
  return out;
}
