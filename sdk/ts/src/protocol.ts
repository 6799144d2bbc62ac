// The other objects a client may check itself (docs/formats.md sections 5, 6, 10, 11, 14, 15a):
// Merkle roots and proofs, block headers, hash chains, finality votes, clusters, peg messages and
// acknowledgements, and signed HTTP requests.

import { bytesOf, bytesEqual, be64, concatBytes, toU64, utf8, type BytesLike, type U64 } from "./bytes.js";
import { sha256Bytes, taggedHash } from "./hash.js";
import { addressBytes, type AddressLike, KeyPair, verify as verifySig } from "./keys.js";
import { units, type AmountLike } from "./amount.js";
import { decode, encode, type MsgValue } from "./msgpack.js";

const leaf = (x: Uint8Array) => taggedHash("bfd/merkle/leaf", x);
const node = (l: Uint8Array, r: Uint8Array) => taggedHash("bfd/merkle/node", l, r);

/** The Merkle root of 32-byte items (section 6); the empty list has tagged_hash("bfd/merkle/empty", ""). */
export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return taggedHash("bfd/merkle/empty");
  let level = items.map(leaf);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(node(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return taggedHash("bfd/merkle/node", be64(items.length), level[0]!);
}

/** A Merkle inclusion proof: index, leaf count and the siblings from the leaf up. */
export interface MerkleProof {
  index: U64;
  leaf_count: U64;
  siblings: BytesLike[];
}

/** Whether `item` is at `proof.index` of the tree with root `root` (section 6's rules). */
export function verifyMerkleProof(item: Uint8Array, proof: MerkleProof, root: Uint8Array): boolean {
  let pos = toU64(proof.index), width = toU64(proof.leaf_count);
  if (pos >= width) return false;
  let acc = leaf(item);
  let used = 0;
  while (width > 1n) {
    if ((pos ^ 1n) < width) {
      const s = proof.siblings[used++];
      if (s === undefined) return false;
      const sb = bytesOf(s, 32);
      acc = pos % 2n === 1n ? node(sb, acc) : node(acc, sb);
    }
    pos /= 2n;
    width = (width + 1n) / 2n;
  }
  return used === proof.siblings.length && bytesEqual(taggedHash("bfd/merkle/node", be64(toU64(proof.leaf_count)), acc), root);
}

/** A block header's fields (section 5). */
export interface HeaderFields {
  chain: U64; height: U64; round: U64; slot: U64; producer: BytesLike; parent: BytesLike; timestamp_ms: U64;
  tx_root: BytesLike; state_root: BytesLike; outbox_root: BytesLike; reveal: BytesLike; work_nonce: U64;
  signature?: BytesLike;
}

function headerItems(h: HeaderFields): MsgValue[] {
  const b32 = (x: BytesLike, w: string) => bytesOf(x, 32, w);
  return [1, toU64(h.chain, "chain", 0xffffffffn), toU64(h.height), toU64(h.round), toU64(h.slot), b32(h.producer, "producer"),
    b32(h.parent, "parent"), toU64(h.timestamp_ms), b32(h.tx_root, "tx_root"), b32(h.state_root, "state_root"),
    b32(h.outbox_root, "outbox_root"), b32(h.reveal, "reveal"), toU64(h.work_nonce)];
}

/** The header hash: tagged_hash("bfd/block", the 13-item unsigned header): the block id. */
export function headerHash(h: HeaderFields): Uint8Array {
  return taggedHash("bfd/block", encode(headerItems(h)));
}

/** The 14-item signed header encoding (needs `signature`). */
export function encodeHeader(h: HeaderFields): Uint8Array {
  if (h.signature === undefined) throw new Error("the header has no signature");
  return encode([...headerItems(h), bytesOf(h.signature, 64, "signature")]);
}

/** One step of a delegate's hash chain: tagged_hash("bfd/reveal", x) (section 11). */
export function hashChainStep(x: BytesLike): Uint8Array {
  return taggedHash("bfd/reveal", bytesOf(x, 32));
}

/** A finality vote's link (section 11). */
export interface VoteFields {
  chain: U64; source_height: U64; source: BytesLike; height: U64; block: BytesLike;
}
const voteItems = (v: VoteFields): MsgValue[] => [2, toU64(v.chain, "chain", 0xffffffffn), toU64(v.source_height),
  bytesOf(v.source, 32, "source"), toU64(v.height), bytesOf(v.block, 32, "block")];

/** What a delegate signs: tagged_hash("bfd/confirm", [2, chain, source height, source, height, block]). */
export function voteHash(v: VoteFields): Uint8Array {
  return taggedHash("bfd/confirm", encode(voteItems(v)));
}

/** A signed finality vote's 8-item encoding. */
export function encodeVote(v: VoteFields, signer: BytesLike, signature: BytesLike): Uint8Array {
  return encode([...voteItems(v), bytesOf(signer, 32, "signer"), bytesOf(signature, 64, "signature")]);
}

/** A vote signed by `key` (aux as in KeyPair.sign). */
export function signVote(v: VoteFields, key: KeyPair, aux?: BytesLike): Uint8Array {
  return encodeVote(v, key.publicKey, key.sign(voteHash(v), aux));
}

/** A cluster member: key, category, power. */
export interface ClusterMember {
  key: BytesLike; category: U64; power: U64;
}

/** The cluster's canonical [[[key, category, power], ...], power] encoding. */
export function encodeCluster(members: readonly ClusterMember[], power: U64): Uint8Array {
  return encode([members.map((m) => [bytesOf(m.key, 32), toU64(m.category), toU64(m.power)]), toU64(power)]);
}

/** cluster_hash: the name a finality certificate gives the cluster it counts. */
export function clusterHash(members: readonly ClusterMember[], power: U64): Uint8Array {
  return taggedHash("bfd/cluster", encodeCluster(members, power));
}

/** A finality certificate's 8-item encoding; signatures as [signer, signature] pairs. */
export function encodeCertificate(v: VoteFields, cluster: BytesLike, signatures: [BytesLike, BytesLike][]): Uint8Array {
  return encode([...voteItems(v), bytesOf(cluster, 32, "cluster"),
    signatures.map(([k, s]) => [bytesOf(k, 32), bytesOf(s, 64)])]);
}

/** An asset-transfer peg message (section 14, kind 0). */
export interface PegTransferMessage {
  source: U64; sequence: U64; destination: U64; sender: AddressLike; receiver: AddressLike;
  timeout_height: U64; denom: string; amount: AmountLike;
}

/** The canonical encoding of an asset-transfer peg message. */
export function encodePegMessage(m: PegTransferMessage): Uint8Array {
  return encode([1, toU64(m.source, "source", 0xffffffffn), toU64(m.sequence), toU64(m.destination, "destination", 0xffffffffn),
    addressBytes(m.sender), addressBytes(m.receiver), toU64(m.timeout_height), 0, [utf8(m.denom), units(m.amount)]]);
}

/** message_hash = tagged_hash("bfd/peg/msg", encoding). */
export function pegMessageHash(m: PegTransferMessage): Uint8Array {
  return taggedHash("bfd/peg/msg", encodePegMessage(m));
}

/** A peg acknowledgement: code 0 success (empty detail), 1-4 failures. */
export interface PegAck {
  source: U64; sequence: U64; code: U64; detail?: string;
}

/** The canonical encoding of an acknowledgement. */
export function encodePegAck(a: PegAck): Uint8Array {
  return encode([1, toU64(a.source, "source", 0xffffffffn), toU64(a.sequence), toU64(a.code, "code", 0xffffn), utf8(a.detail ?? "")]);
}

/** ack_hash = tagged_hash("bfd/peg/ack", encoding). */
export function pegAckHash(a: PegAck): Uint8Array {
  return taggedHash("bfd/peg/ack", encodePegAck(a));
}

/** A message's receipt tree key: tagged_hash("bfd/peg/receipt", be32(source) || be64(sequence)). */
export function pegReceiptKey(source: U64, sequence: U64): Uint8Array {
  const s = new Uint8Array(4);
  new DataView(s.buffer).setUint32(0, Number(toU64(source, "source", 0xffffffffn)));
  return taggedHash("bfd/peg/receipt", concatBytes(s, be64(sequence)));
}

/** A contract's address: the first 20 bytes of tagged_hash("bfd/contract/address", deployer || be64(deploy nonce)). */
export function contractAddress(deployer: AddressLike, deployNonce: U64): Uint8Array {
  return taggedHash("bfd/contract/address", addressBytes(deployer), be64(deployNonce)).slice(0, 20);
}

/** A template's id: tagged_hash("bfd/contract/template", the kind-24 payload's canonical bytes). */
export function templateId(publishPayload: MsgValue): Uint8Array {
  return taggedHash("bfd/contract/template", encode(publishPayload));
}

/** What a signed read request covers (section 15a). */
export interface RequestToSign {
  chain: U64; method: string; target: string; timestamp_ms: U64; body?: Uint8Array;
}

/** digest = tagged_hash("bfd/request", [chain, method, target, timestamp_ms, sha256(body), public_key]). */
export function requestDigest(r: RequestToSign, publicKey: BytesLike): Uint8Array {
  return taggedHash("bfd/request", encode([toU64(r.chain), utf8(r.method), utf8(r.target), toU64(r.timestamp_ms),
    sha256Bytes(r.body ?? new Uint8Array()), bytesOf(publicKey, 32)]));
}

/** The three X-Bfd-* headers of a signed request (aux as in KeyPair.sign). */
export function signRequest(r: RequestToSign, key: KeyPair, aux?: BytesLike): Record<string, string> {
  const sig = key.sign(requestDigest(r, key.publicKey), aux);
  return {
    "X-Bfd-Public-Key": key.publicKeyHex,
    "X-Bfd-Timestamp": toU64(r.timestamp_ms).toString(),
    "X-Bfd-Signature": Array.from(sig, (x) => x.toString(16).padStart(2, "0")).join(""),
  };
}

/** Why a finality certificate does not verify: the node's reason names. */
export type CertificateFailure = "bad_confirmation" | "not_final";

/** A block as GET /v1/blocks/{id} answers it (the fields verifyCertificate reads). */
export interface BlockAnswer {
  hash: string; height: U64; header: HeaderFields;
}
/** A certificate as GET /v1/certificate answers it. */
export interface CertificateAnswer {
  chain: U64; source: { height: U64; hash: string }; target: { height: U64; hash: string }; cluster: string;
  signatures: { signer: string; signature: string }[];
}
/** A cluster as GET /v1/clusters/{hash} answers it: members in selection order, powers as amount text. */
export interface ClusterAnswer {
  hash: string; power: string; members: { key: string; category: U64; power: string }[];
}
/** Why the node's answers do not prove a block final: a certificate failure, or `bad_proof` (a certificate or header for another block). */
export type FinalityFailure = CertificateFailure | "bad_proof";

/**
 * Checks a certificate's link against a cluster as `verify_certificate` does (section 11): height
 * above the source height, `cluster` the cluster's hash, each signer a member once with a valid
 * vote signature, and 3 · signed power > 2 · cluster power. Returns null when it verifies.
 *
 * The three-argument form takes the node's answers: a block (GET /v1/blocks/{id}), the final
 * certificate (GET /v1/certificate) and the cluster it names (GET /v1/clusters/{hash}). It also
 * checks that the block's header hashes to its `hash` and is the certificate's source, and that
 * the target is the source's child (else `not_final`: a justification, not a finality proof).
 */
export function verifyCertificate(block: BlockAnswer, certificate: CertificateAnswer, cluster: ClusterAnswer): FinalityFailure | null;
export function verifyCertificate(
  v: VoteFields, cluster: BytesLike, signatures: [BytesLike, BytesLike][], members: readonly ClusterMember[], power: U64,
): CertificateFailure | null;
export function verifyCertificate(...args: unknown[]): FinalityFailure | null {
  if (args.length === 3) return verifyAnswers(args[0] as BlockAnswer, args[1] as CertificateAnswer, args[2] as ClusterAnswer);
  const [v, cluster, signatures, members, power] = args as [VoteFields, BytesLike, [BytesLike, BytesLike][], readonly ClusterMember[], U64];
  return verifyLink(v, cluster, signatures, members, power);
}

function verifyLink(
  v: VoteFields, cluster: BytesLike, signatures: [BytesLike, BytesLike][], members: readonly ClusterMember[], power: U64,
): CertificateFailure | null {
  if (toU64(v.height) <= toU64(v.source_height)) return "bad_confirmation";
  if (!bytesEqual(bytesOf(cluster, 32), clusterHash(members, power))) return "bad_confirmation";
  const message = voteHash(v);
  const seen = new Set<string>();
  let signedPower = 0n;
  for (const [signer, sig] of signatures) {
    const k = bytesOf(signer, 32);
    const hex = Array.from(k, (x) => x.toString(16).padStart(2, "0")).join("");
    const m = members.find((x) => bytesEqual(bytesOf(x.key, 32), k));
    if (!m || seen.has(hex) || !verifySig(sig, message, k)) return "bad_confirmation";
    seen.add(hex);
    signedPower += toU64(m.power);
  }
  return 3n * signedPower > 2n * toU64(power) ? null : "not_final";
}

function verifyAnswers(block: BlockAnswer, cert: CertificateAnswer, cluster: ClusterAnswer): FinalityFailure | null {
  const hash = bytesOf(block.hash, 32, "block hash");
  if (!bytesEqual(headerHash(block.header), hash)) return "bad_proof";
  if (toU64(cert.source.height) !== toU64(block.height) || toU64(block.header.height) !== toU64(block.height)
      || toU64(cert.chain) !== toU64(block.header.chain) || !bytesEqual(bytesOf(cert.source.hash, 32, "source"), hash))
    return "bad_proof";
  if (toU64(cert.target.height) !== toU64(cert.source.height) + 1n) return "not_final";
  const members = cluster.members.map((m) => ({ key: m.key, category: m.category, power: units(m.power) }));
  const v = { chain: cert.chain, source_height: cert.source.height, source: cert.source.hash, height: cert.target.height,
    block: cert.target.hash };
  return verifyLink(v, cert.cluster, cert.signatures.map((s) => [s.signer, s.signature]), members, units(cluster.power));
}

const asValue = (b: Uint8Array): MsgValue => decode(b, { maxBytes: 1 << 20, maxItems: 4096, maxDepth: 8 });

/** A delivery bundle (section 14): a message or acknowledgement, its inclusion proof, the header, links and certificate. */
export interface DeliveryBundle {
  entry: { message: PegTransferMessage } | { ack: PegAck };
  inclusion: MerkleProof;
  /** The signed header whose outbox_root holds the entry. */
  header: HeaderFields;
  /** Headers from the header's child upwards (at most 64). */
  links?: HeaderFields[];
  /** The canonical certificate bytes (encodeCertificate). */
  certificate: BytesLike;
}

const proofValue = (p: MerkleProof): MsgValue => [toU64(p.index), toU64(p.leaf_count), p.siblings.map((s) => bytesOf(s, 32))];

/** The canonical bytes of a delivery bundle: the payload of peg_receive (message) or peg_acknowledge (ack). */
export function encodeDeliveryBundle(b: DeliveryBundle): Uint8Array {
  const entry = "message" in b.entry ? asValue(encodePegMessage(b.entry.message)) : asValue(encodePegAck(b.entry.ack));
  return encode([1, "message" in b.entry ? 0 : 1, entry, proofValue(b.inclusion), asValue(encodeHeader(b.header)),
    (b.links ?? []).map((h) => asValue(encodeHeader(h))), bytesOf(b.certificate)]);
}

/** A timeout bundle (section 14): proof that the destination never received message (source, sequence). */
export interface TimeoutBundle {
  source: U64; sequence: U64; header: HeaderFields; certificate: BytesLike;
  opening: {
    ledger_root: BytesLike; consensus_root: BytesLike; modules: { id: U64; root: BytesLike }[];
    receipt_root: BytesLike; peg_ledger_root: BytesLike; next_sequence: U64;
  };
  /** The receipt tree's non-membership proof: bitmap and the non-empty siblings. */
  receipt_proof: { bitmap: BytesLike; siblings: BytesLike[] };
}

/** The canonical bytes of a timeout bundle: the payload of peg_timeout. */
export function encodeTimeoutBundle(b: TimeoutBundle): Uint8Array {
  const o = b.opening;
  return encode([1, toU64(b.source, "source", 0xffffffffn), toU64(b.sequence), asValue(encodeHeader(b.header)), bytesOf(b.certificate),
    [bytesOf(o.ledger_root, 32), bytesOf(o.consensus_root, 32), o.modules.map((m) => [toU64(m.id, "module id", 255n), bytesOf(m.root, 32)]),
      bytesOf(o.receipt_root, 32), bytesOf(o.peg_ledger_root, 32), toU64(o.next_sequence)],
    [bytesOf(b.receipt_proof.bitmap, 32), b.receipt_proof.siblings.map((s) => bytesOf(s, 32))]]);
}
