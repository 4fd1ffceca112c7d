/**
 * Real market data importers (Binance): bookTicker CSV dumps, websocket recordings with an
 * L2 book rebuilt from REST snapshot + depth updates, klines CSV dumps (NATR source, spec
 * 17.5.2), and conversion of any of them into an ordinary fixture folder.
 */
export { newImportReport, sha256File, StepTracker, type ImportReport } from "./common";
export {
  BOOKTICKER_COLUMNS,
  BookTickerBatch,
  BookTickerCsvParser,
  importBookTickerCsv,
  inferBookTickerInstrument,
  scanBookTickerCsv,
  symbolFromFileName,
  type BookTickerCsvOptions,
  type InstrumentOverrides,
  type SnapshotImport,
} from "./bookticker-csv";
export { importBinanceWs, symbolFromRecordingName, WS_CLOCKS, type BinanceWsOptions, type WsClock, type WsMarket } from "./binance-ws";
export { BookSide, L2Book } from "./l2book";
export { importKlinesCsv, KlineCursor, KLINE_COLUMNS, klineCsvLine, loadKlinesCsv, type Kline, type KlineImport, type KlineSink, type KlinesCsvOptions } from "./klines-csv";
export { IMPORT_FORMATS, importToFixture, type ImportFormat, type ImportResult, type ImportToFixtureOptions } from "./to-fixture";
export { importTradesCsv, type TradeDumpKind, type TradeImport, type TradesCsvOptions } from "./trades-csv";
export * from "./presets";
export * from "./bar-dataset";
