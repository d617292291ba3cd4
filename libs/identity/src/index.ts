export { IdentityModule } from './identity.module';
export { NodeIdentityService } from './node-identity.service';
export { KeyRingStore, type KeyRing } from './key-ring.store';
export { IdentityException, IdentityErrorCode } from './identity.exception';
