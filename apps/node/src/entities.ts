import { UserEntity } from '@regulink/access';

/** Every table the node maps; the data source of the app, the migration CLI and the tests. */
export const ENTITIES = [UserEntity];
