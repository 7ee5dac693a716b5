export * from './backtest-contract';
export * from './backtest-report';
export * from './threshold-sweep';
export * from './simulate';
export * from './tally';
export * from './planted-usage';
export * from './backtested-candidate';
