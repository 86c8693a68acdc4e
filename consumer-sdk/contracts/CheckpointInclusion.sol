// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The SDK's checkpoint-inclusion rule (consumer-sdk/src/checkpoint.ts, verifyCheckpointInclusion)
/// on an EVM chain: a consumer checkpoint is in the consumer-checkpoint root a hub header carries.
/// The caller establishes that the header is final (AegisFinality.verifyCheckpoint: its SHA-256 is a
/// ZK-certified block hash); this library reads the root out of the header's canonical bytes,
/// rebuilds the checkpoint's canonical encoding and walks its RFC 6962 audit path with the sha256
/// precompile. Golden vectors shared with the SDK: test/vectors/checkpoints.json.
///
/// Header bytes (SDK encodeHeaderCanonical, CanonicalWriter: u32 length-prefixed strings, big-endian
/// integers, fixed-size hashes), with L the byte length of the hub chain id:
///     0  u32 15 ‖ "aegis/header/v1"     19  u32 L     23  chainId (L bytes)
///  23+L  u64 height   31+L u64 time   39+L parentHash   71+L txRoot   103+L stateRoot
/// 135+L  consumerCheckpointRoot   167+L validatorSetRoot   199+L nextValidatorSetRoot
/// 231+L  proposer (20 bytes)   251+L lastCommitHash   283+L evidenceRoot   315+L end.
///
/// Checkpoint leaf data (SDK encodeCheckpointCanonical): u32 28 ‖ "aegis/consumer-checkpoint/v1"
/// (exactly 32 bytes) ‖ u32 len ‖ consumerId ‖ u64 height ‖ blockHash ‖ parentCheckpointHash ‖ stateRoot.
library CheckpointInclusion {
    /// A consumer checkpoint, as the SDK's ConsumerCheckpoint.
    struct Checkpoint {
        /// 1–64 of a-z 0-9 - _ . (SDK isConsumerId).
        string consumerId;
        /// ≥ 1.
        uint64 height;
        bytes32 blockHash;
        bytes32 parentCheckpointHash;
        bytes32 stateRoot;
    }

    /// string("aegis/header/v1") as CanonicalWriter writes it.
    bytes19 internal constant HEADER_PREFIX = hex"0000000f61656769732f6865616465722f7631";
    /// string("aegis/consumer-checkpoint/v1") as CanonicalWriter writes it.
    bytes32 internal constant CHECKPOINT_PREFIX = hex"0000001c61656769732f636f6e73756d65722d636865636b706f696e742f7631";
    /// Header length without the chain id's bytes.
    uint256 internal constant HEADER_FIXED_LENGTH = 315;
    uint256 internal constant MAX_CONSUMER_ID_LENGTH = 64;
    /// The SDK's MAX_MERKLE_PROOF_DEPTH and its bound on `total` (Number.MAX_SAFE_INTEGER), so both
    /// accept exactly the same proofs.
    uint256 internal constant MAX_PROOF_DEPTH = 64;
    uint256 internal constant MAX_TOTAL = 2 ** 53 - 1;
    /// Bit c set for each byte c of a-z, 0-9, '-', '_', '.'.
    uint256 private constant CONSUMER_ID_CHARS = 0x7fffffe8000000003ff600000000000;

    /// The bytes are not a canonical header (prefix, chain-id length, total length).
    error MalformedHeader();
    /// The header's chain id is not the hub's (`chainId`: the header's, as computeZkChainId).
    error WrongHubChain(uint256 chainId, uint256 hubChainId);
    /// The header is of another height than the one it is claimed final at.
    error WrongHeaderHeight(uint64 height, uint64 hubHeight);
    /// SDK CHECKPOINT_ERROR_MALFORMED: the consumer id or the height has not its form.
    error MalformedCheckpoint();
    /// SDK CHECKPOINT_ERROR_INVALID_PROOF: (index, total, path length) fit no tree.
    error InvalidInclusionProof();
    /// SDK CHECKPOINT_ERROR_NOT_INCLUDED: a well-formed path leads to another root than the header's.
    error CheckpointNotIncluded(bytes32 consumerCheckpointRoot, bytes32 pathRoot);

    /// Reverts unless `header` (canonical bytes, already known final) is a header of hub chain
    /// `hubChainId` (computeZkChainId: the first 31 bytes of SHA-256 of the id) at `hubHeight` whose
    /// consumerCheckpointRoot holds `cp` at `index` of a tree of `total` with audit path `siblings`.
    /// After the header: the SDK's order, cheapest first (checkpoint form, proof shape, hashing).
    function verify(bytes calldata header, uint256 hubChainId, uint64 hubHeight, Checkpoint calldata cp, uint256 index, uint256 total, bytes32[] calldata siblings) internal view {
        bytes32 root = consumerCheckpointRoot(header, hubChainId, hubHeight);
        bytes32 leaf = leafHash(cp);
        bytes32 pathRoot = rootFromPath(leaf, index, total, siblings);
        if (pathRoot != root) revert CheckpointNotIncluded(root, pathRoot);
    }

    /// The consumerCheckpointRoot field of a canonical header, after checking its layout, chain id and height.
    function consumerCheckpointRoot(bytes calldata header, uint256 hubChainId, uint64 hubHeight) internal pure returns (bytes32) {
        if (header.length < 23 || bytes19(header[0:19]) != HEADER_PREFIX) revert MalformedHeader();
        uint256 n = uint32(bytes4(header[19:23]));
        if (header.length != HEADER_FIXED_LENGTH + n) revert MalformedHeader();
        uint256 chainId = uint256(sha256(header[23:23 + n])) >> 8;
        if (chainId != hubChainId) revert WrongHubChain(chainId, hubChainId);
        uint64 height = uint64(bytes8(header[23 + n:31 + n]));
        if (height != hubHeight) revert WrongHeaderHeight(height, hubHeight);
        return bytes32(header[135 + n:167 + n]);
    }

    /// The RFC 6962 leaf hash SHA-256(0x00 ‖ encodeCheckpointCanonical(cp)); reverts MalformedCheckpoint
    /// where the SDK throws CHECKPOINT_ERROR_MALFORMED.
    function leafHash(Checkpoint calldata cp) internal pure returns (bytes32) {
        bytes calldata id = bytes(cp.consumerId);
        uint256 n = id.length;
        if (n == 0 || n > MAX_CONSUMER_ID_LENGTH || cp.height == 0) revert MalformedCheckpoint();
        uint256 bad;
        assembly ("memory-safe") {
            // One calldata byte at a time, no bounds checks (id.offset + n is inside the calldata).
            for { let p := id.offset let end := add(p, n) } lt(p, end) { p := add(p, 1) } {
                bad := or(bad, iszero(and(shr(byte(0, calldataload(p)), CONSUMER_ID_CHARS), 1)))
            }
        }
        if (bad != 0) revert MalformedCheckpoint();
        return sha256(abi.encodePacked(bytes1(0x00), CHECKPOINT_PREFIX, uint32(n), id, cp.height, cp.blockHash, cp.parentCheckpointHash, cp.stateRoot));
    }

    /// The root the audit path leads to from `leaf` (RFC 9162 §2.1.3.2, as merkleProof.ts's
    /// computeMerkleRootFromProof); reverts InvalidInclusionProof where the SDK gives
    /// CHECKPOINT_ERROR_INVALID_PROOF: total 0 or above 2^53 − 1, index ≥ total, more than 64
    /// siblings, or a path longer or shorter than the one (index, total) fixes.
    function rootFromPath(bytes32 leaf, uint256 index, uint256 total, bytes32[] calldata siblings) internal view returns (bytes32 r) {
        if (total == 0 || total > MAX_TOTAL || index >= total || siblings.length > MAX_PROOF_DEPTH) revert InvalidInclusionProof();
        uint256 fn = index;
        uint256 sn = total - 1;
        r = leaf;
        for (uint256 i; i < siblings.length; ) {
            if (sn == 0) revert InvalidInclusionProof(); // the path is longer than the tree is deep
            if (fn & 1 == 1 || fn == sn) {
                r = innerHash(siblings[i], r);
                // A right-most node without a right sibling at this level: climb until it is a right child.
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = innerHash(r, siblings[i]);
            }
            fn >>= 1;
            sn >>= 1;
            unchecked {
                ++i;
            }
        }
        if (sn != 0) revert InvalidInclusionProof(); // the path is shorter
    }

    /// SHA-256(0x01 ‖ left ‖ right) through the precompile, in free memory it does not claim.
    function innerHash(bytes32 left, bytes32 right) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore8(m, 0x01)
            mstore(add(m, 1), left)
            mstore(add(m, 33), right)
            if iszero(staticcall(gas(), 0x02, m, 65, m, 0x20)) {
                revert(0, 0)
            }
            h := mload(m)
        }
    }
}
