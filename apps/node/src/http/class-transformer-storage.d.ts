// class-transformer keeps its metadata (which class a nested property holds) in a module it does
// not declare types for; the request schemas read it to follow nested DTOs.
declare module 'class-transformer/cjs/storage' {
  import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

  export const defaultMetadataStorage: MetadataStorage;
}
