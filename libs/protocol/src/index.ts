export { canonicalJson, canonicalBytes } from './canonical-json/canonical-json';
export {
  SIGNING_ALG,
  toPublicSigningJwk,
  isSelfConsistentJwk,
  importPublicKey,
  type PublicSigningJwk,
  type Signer,
} from './keys/signing-key';
export {
  NODE_CARD_TYP,
  signNodeCard,
  verifyNodeCard,
  NodeCardError,
  type NodeCard,
  type NodeCardProblem,
  type SignedNodeCard,
} from './node-card/node-card';
