// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {CheckpointInclusion} from "./CheckpointInclusion.sol";

/// The Groth16 verifier snarkjs exports for the quorum circuit (its verifier_groth16 template,
/// rendered with the circuit's verification key): nine public signals.
interface IQuorumVerifier {
    function verifyProof(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[9] calldata pubSignals) external view returns (bool);
}

/// Follows Aegis hub finality on an EVM chain with succinct certificates: keeps the trusted
/// validator-set root (a Poseidon root, circuits/src/quorumCertificate.circom) and accepts a
/// certificate for a newer height when its proof shows that more than 2/3 of that set's power
/// signed the block. The certificate's next root becomes the trusted root: the set that signs the
/// next height. Skipping heights is fine within an epoch; across a set change the last certificate
/// of the epoch (the one naming the new root) must come first, or the root does not match.
///
/// Trusting period: a set's validators are accountable only while their stake is bonded. The
/// contract keeps the hub time the trusted root was signed at (each certificate signs its block's
/// time) and refuses every certificate once that is `trustingPeriodMs` old by the chain's clock, so
/// a consumer not updated for longer than that cannot be forked by former validators who no longer
/// risk anything; it then needs a new deployment (or a governance reset) from a recent trusted root.
/// `trustingPeriodMs` must be shorter than the hub's unbonding period (the SDK's
/// assertWithinTrustingPeriod is the same rule).
///
/// Consumer checkpoints: `verifyCheckpoint` shows that a consumer chain's checkpoint is in the
/// consumer-checkpoint root of a certified hub block (CheckpointInclusion.sol; the SDK's
/// verifyCheckpointInclusion, golden vectors in test/vectors/checkpoints.json).
///
/// Hub forks (decision 50): anyone may `reportConflict` with a second valid certificate for a height
/// already finalized here, for another statement (another block, time or next root), proved against
/// the root that signed that height. The contract then freezes, as the SDK's FinalityGuard does:
/// every block already final stays final (verifyCheckpoint still answers for them) and nothing new
/// is accepted (`submit` reverts Frozen); contracts that act on hub finality read `frozen` and stop.
/// The validators who signed both are named by the certificates' bitmaps and slashed on the hub
/// (MsgSubmitForkEvidence). The operator (the deployer) resumes it from a new trusted root
/// (`resume`), e.g. the hub's root after the guilty were removed.
contract AegisFinality {
    /// How far a certificate's hub time may be ahead of this chain's clock (the SDK's default).
    uint256 public constant MAX_CLOCK_DRIFT_MS = 10_000;

    IQuorumVerifier public immutable verifier;
    /// The hub chain id as the circuit's field element (SDK: computeZkChainId).
    uint256 public immutable hubChainId;
    /// How long a trusted root may be relied on, in ms (shorter than the hub's unbonding period).
    uint64 public immutable trustingPeriodMs;
    uint256 public validatorSetRoot;
    uint64 public latestHeight;
    /// Hub time (Unix ms) of the certificate, or the trusted header at deployment, the root comes from.
    uint64 public trustedTime;
    mapping(uint64 => bytes32) public finalizedBlockHash;
    /// keccak256(time, blockHash, nextValidatorSetRoot) of each finalized height's certificate, and the root that signed it.
    mapping(uint64 => bytes32) public finalizedStatement;
    mapping(uint64 => uint256) public signingRoot;
    /// Who may resume a frozen contract from a new trusted root (the deployer).
    address public immutable operator;
    /// Set by a proved conflicting certificate; cleared by `resume`.
    bool public frozen;
    uint64 public frozenAtHeight;

    event Finalized(uint64 indexed height, bytes32 blockHash, uint64 time, uint256 signers, uint256 nextValidatorSetRoot, address prover);
    event HubForkDetected(uint64 indexed height, bytes32 finalizedBlockHash, bytes32 conflictingBlockHash, uint256 conflictingSigners);
    event Resumed(uint64 height, uint256 validatorSetRoot, uint64 trustedTime);

    error StaleHeight(uint64 height, uint64 latestHeight);
    error TrustExpired(uint64 trustedTime, uint64 trustingPeriodMs, uint256 nowMs);
    error OlderThanTrusted(uint64 time, uint64 trustedTime);
    error FromTheFuture(uint64 time, uint256 nowMs);
    error InvalidTrustingPeriod();
    error InvalidProof();
    /// No certificate recorded a block hash at the height.
    error NotFinalized(uint64 hubHeight);
    /// The header given is not the certified block of the height (its SHA-256 is another hash).
    error HeaderMismatch(uint64 hubHeight, bytes32 headerHash, bytes32 finalizedHash);
    /// A conflicting certificate froze the contract at `height`: nothing new until the operator resumes it.
    error Frozen(uint64 height);
    /// reportConflict: the certificate is of the statement already finalized (no conflict).
    error NotConflicting(uint64 height);
    error NotOperator();
    error NotFrozen();

    constructor(IQuorumVerifier verifier_, uint256 hubChainId_, uint256 validatorSetRoot_, uint64 trustedHeight, uint64 trustedTime_, uint64 trustingPeriodMs_) {
        if (trustingPeriodMs_ == 0) revert InvalidTrustingPeriod();
        verifier = verifier_;
        hubChainId = hubChainId_;
        validatorSetRoot = validatorSetRoot_;
        latestHeight = trustedHeight;
        trustedTime = trustedTime_;
        trustingPeriodMs = trustingPeriodMs_;
        operator = msg.sender;
    }

    /// `time`: the block's hub time (Unix ms), signed with it. `prover`: the account the proof names
    /// (bound by the proof; the hub pays it). `proof`: the SDK's compact proof as eight words (A.x,
    /// A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y).
    function submit(uint64 height, uint64 time, bytes32 blockHash, uint256 nextValidatorSetRoot, uint256 signers, address prover, uint256[8] calldata proof) external {
        if (frozen) revert Frozen(frozenAtHeight);
        if (height <= latestHeight) revert StaleHeight(height, latestHeight);
        uint256 nowMs = block.timestamp * 1000;
        if (nowMs >= uint256(trustedTime) + trustingPeriodMs) revert TrustExpired(trustedTime, trustingPeriodMs, nowMs);
        if (time < trustedTime) revert OlderThanTrusted(time, trustedTime);
        if (time > nowMs + MAX_CLOCK_DRIFT_MS) revert FromTheFuture(time, nowMs);
        _verify(validatorSetRoot, height, time, blockHash, nextValidatorSetRoot, signers, prover, proof);
        latestHeight = height;
        trustedTime = time;
        finalizedBlockHash[height] = blockHash;
        finalizedStatement[height] = keccak256(abi.encode(time, blockHash, nextValidatorSetRoot));
        signingRoot[height] = validatorSetRoot;
        validatorSetRoot = nextValidatorSetRoot;
        emit Finalized(height, blockHash, time, signers, nextValidatorSetRoot, prover);
    }

    /// A second certificate for a height finalized here, of another statement, proved against the
    /// root that signed that height: a hub fork. Freezes the contract (see the contract's comment).
    /// Reverts NotFinalized, NotConflicting or InvalidProof otherwise, changing nothing. No trusting
    /// period applies: a fork of a finalized height is proved whenever it is shown.
    function reportConflict(uint64 height, uint64 time, bytes32 blockHash, uint256 nextValidatorSetRoot, uint256 signers, address prover, uint256[8] calldata proof) external {
        bytes32 finalized = finalizedBlockHash[height];
        if (finalized == bytes32(0)) revert NotFinalized(height);
        if (keccak256(abi.encode(time, blockHash, nextValidatorSetRoot)) == finalizedStatement[height]) revert NotConflicting(height);
        _verify(signingRoot[height], height, time, blockHash, nextValidatorSetRoot, signers, prover, proof);
        if (!frozen) {
            frozen = true;
            frozenAtHeight = height;
        }
        emit HubForkDetected(height, finalized, blockHash, signers);
    }

    /// The operator's way out of a freeze: a new trusted root (e.g. the hub's set after the guilty
    /// were slashed and removed), the height and hub time it is trusted from. Later certificates are
    /// accepted against it; what was final stays final.
    function resume(uint256 validatorSetRoot_, uint64 trustedHeight, uint64 trustedTime_) external {
        if (msg.sender != operator) revert NotOperator();
        if (!frozen) revert NotFrozen();
        if (trustedHeight < latestHeight) revert StaleHeight(trustedHeight, latestHeight);
        frozen = false;
        validatorSetRoot = validatorSetRoot_;
        latestHeight = trustedHeight;
        trustedTime = trustedTime_;
        emit Resumed(trustedHeight, validatorSetRoot_, trustedTime_);
    }

    function _verify(uint256 root, uint64 height, uint64 time, bytes32 blockHash, uint256 nextValidatorSetRoot, uint256 signers, address prover, uint256[8] calldata proof) private view {
        uint256 h = uint256(blockHash);
        uint256[9] memory pub = [root, nextValidatorSetRoot, hubChainId, uint256(height), uint256(time), h >> 128, h & type(uint128).max, signers, uint256(uint160(prover))];
        if (!verifier.verifyProof([proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], pub)) revert InvalidProof();
    }

    /// Reverts unless `checkpoint` is in the consumer-checkpoint root of the hub block certified at
    /// `hubHeight`: `header` is that block's canonical header (SDK encodeHeaderCanonical; its
    /// SHA-256 must be finalizedBlockHash[hubHeight]), of this hub chain and that height, and
    /// (`index`, `total`, `siblings`) the checkpoint's RFC 6962 audit path to the header's
    /// consumerCheckpointRoot (SDK computeCheckpointInclusionProof). Errors: NotFinalized,
    /// HeaderMismatch, then CheckpointInclusion's (MalformedHeader, WrongHubChain,
    /// WrongHeaderHeight, MalformedCheckpoint, InvalidInclusionProof, CheckpointNotIncluded; the
    /// last three are the SDK's CHECKPOINT_ERROR_MALFORMED, _INVALID_PROOF and _NOT_INCLUDED). A
    /// certified block stays final: the trusting period limits new certificates, not this.
    function verifyCheckpoint(
        uint64 hubHeight,
        bytes calldata header,
        CheckpointInclusion.Checkpoint calldata checkpoint,
        uint256 index,
        uint256 total,
        bytes32[] calldata siblings
    ) external view {
        bytes32 finalized = finalizedBlockHash[hubHeight];
        if (finalized == bytes32(0)) revert NotFinalized(hubHeight);
        bytes32 headerHash = sha256(header);
        if (headerHash != finalized) revert HeaderMismatch(hubHeight, headerHash, finalized);
        CheckpointInclusion.verify(header, hubChainId, hubHeight, checkpoint, index, total, siblings);
    }
}
