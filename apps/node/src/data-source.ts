import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseUrlForTooling } from '@regulink/config';
import { dataSourceOptions } from '@regulink/persistence';
import { MIGRATIONS } from '../../../migrations';
import { ENTITIES } from './entities';

/** The data source the TypeORM CLI uses (`npm run migration:generate`); the app builds the same one. */
export default new DataSource(
  dataSourceOptions({ url: databaseUrlForTooling(), entities: ENTITIES, migrations: MIGRATIONS }),
);
