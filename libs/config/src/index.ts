export * from './node-config';
export * from './config.exception';
export * from './config.module';
export {
  loadConfig,
  describeConfig,
  secretValues,
  databaseUrlForTooling,
  SETTINGS,
  type LoadConfigOptions,
} from './load-config';
