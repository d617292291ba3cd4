export { canonicalJson, canonicalBytes } from './canonical-json/canonical-json';
export { signCanonical, verifyCanonical, signedKid } from './signed-json/signed-json';
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
  signedWhileActive,
  RETIREMENT_TOLERANCE_MS,
  NodeCardError,
  type NodeCard,
  type NodeCardProblem,
  type SignedNodeCard,
} from './node-card/node-card';
export { sha256Base64Url } from './digest/digest';
export { EnvelopeError, EnvelopeErrorCode, type HandlerRefusalCode } from './envelope/envelope-error';
export {
  ENVELOPE_TYP,
  ENVELOPE_VERSION,
  signEnvelope,
  parseEnvelope,
  verifyEnvelopeSignature,
  type EnvelopeClaims,
  type ParsedEnvelope,
} from './envelope/envelope';
export {
  RECEIPT_TYP,
  signReceipt,
  verifyReceipt,
  receiptKid,
  type ReceiptClaims,
  type ReceiptStatus,
} from './receipt/receipt';
export {
  TREE_HEAD_TYP,
  signTreeHead,
  verifyTreeHead,
  readTreeHead,
  treeHeadKid,
  type TreeHead,
} from './tree-head/tree-head';
export { MerkleError, type MerkleProblem } from './merkle/merkle-error';
export {
  MERKLE_HASH_BYTES,
  leafHash,
  interiorHash,
  emptyRoot,
  isMerkleHash,
  hashesEqual,
  hashToHex,
  hashFromHex,
  hashToBase64Url,
  hashFromBase64Url,
} from './merkle/merkle-hash';
export {
  StoredHashMap,
  mergePlans,
  type MerklePlan,
  type NodeCoordinate,
  type StoredHashes,
  type StoredLeaf,
  type StoredNode,
} from './merkle/merkle-plan';
export {
  MERKLE_LOWEST_STORED_LEVEL,
  isStoredLevel,
  rootPlan,
  rootFrom,
  inclusionPlan,
  inclusionProofFrom,
  consistencyPlan,
  consistencyProofFrom,
  appendPlan,
  appendLeaves,
} from './merkle/merkle-log-layout';
export type { AppendOutcome } from './merkle/merkle-storage-layout';
export { rootFromInclusion, verifyInclusion, verifyConsistency } from './merkle/merkle-verify';
export { KEYED_HASH_PREFIX, keyedHash, newMatchingKey, isMatchingKey } from './keyed-hash/keyed-hash';
export {
  AGREEMENT_TYP,
  AGREEMENT_SCOPES,
  AGREEMENT_FIELD_RULES,
  AGREEMENT_PERSONAL_FIELDS,
  AGREEMENT_MAX_TITLE_LENGTH,
  AGREEMENT_MAX_DAILY_QUOTA,
  AGREEMENT_MAX_DEADLINE_WORKING_DAYS,
  agreementTermsProblems,
  type AgreementScope,
  type AgreementFieldRule,
  type AgreementPersonalField,
  type AgreementScopeGrant,
  type AgreementTerms,
} from './agreement/agreement-terms';
export {
  AgreementDocumentError,
  AgreementDocumentErrorCode,
  proposeAgreement,
  countersignAgreement,
  verifyAgreementDocument,
  readAgreementTerms,
  type AgreementDocument,
  type AgreementSignatureEntry,
  type AgreementKeyResolver,
  type VerifiedAgreement,
} from './agreement/agreement-document';
export {
  isRecordInBatch,
  MAX_BATCH_RECORDS,
  RECORD_BATCH_TYP,
  recordBatchKid,
  recordBatchTree,
  recordLeafHash,
  signRecordBatch,
  verifyRecordBatchHead,
  type RecordBatchHead,
  type SignedRecordBatch,
} from './record-batch/record-batch';
export {
  EVIDENCE_BUNDLE_VERSION,
  EvidenceError,
  verifyEvidenceBundle,
  type EvidenceBundle,
  type EvidenceProblem,
  type VerifiedEvidence,
} from './evidence/evidence-bundle';
export { parseEvidenceJson, repeatedJsonKey } from './evidence/evidence-json';
export { inputProblem, MAX_INPUT_DEPTH, storableText } from './input/input-problem';
export { characterCount, Chars, MaxChars, MinChars } from './input/text-length';
export { IntegerText } from './input/integer-text';
export { isPasswordTheUsername, USERNAME_FORM } from './input/account-names';
