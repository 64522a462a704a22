export * from './users';
export * from './auth';
export * from './email';
export * from './clients';
export * from './sessions';
export * from './notes';
export * from './series';
export * from './calendar';
