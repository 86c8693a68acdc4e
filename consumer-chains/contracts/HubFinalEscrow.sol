// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The part of AegisFinality (consumer-sdk/contracts/AegisFinality.sol) the escrow calls. The struct
/// is CheckpointInclusion.Checkpoint: the same ABI tuple, declared here so that this file compiles
/// on its own.
interface IAegisFinality {
    struct Checkpoint {
        string consumerId;
        uint64 height;
        bytes32 blockHash;
        bytes32 parentCheckpointHash;
        bytes32 stateRoot;
    }

    function verifyCheckpoint(
        uint64 hubHeight,
        bytes calldata header,
        Checkpoint calldata checkpoint,
        uint256 index,
        uint256 total,
        bytes32[] calldata siblings
    ) external view;

    /// True after a proved hub fork, until the operator resumes it.
    function frozen() external view returns (bool);
}

/// A payment released only on hub finality. The payer deploys it with the payment (msg.value) once it
/// has seen the block it waits for on another consumer chain, e.g. the ledger chain's block holding
/// the beneficiary's deposit: (consumerId, height, blockHash). A block that is merely produced can
/// still be reorged away; one whose checkpoint is in a hub block certified by a ZK certificate cannot
/// (the consumer's FinalityGuard never reorgs below a hub-final checkpoint, and two checkpoints of
/// one height are equivocation the hub punishes).
///
/// `release` pays the beneficiary when, and only when, AegisFinality shows that checkpoint is in the
/// consumer-checkpoint root of a hub block it has a ZK-certified hash for. Anyone may call it (a
/// relayer, the beneficiary): the proof alone decides. On anything else it reverts, with
/// AegisFinality's own errors (NotFinalized, HeaderMismatch, CheckpointNotIncluded, ...) for a proof
/// that does not hold, and with FinalityFrozen while AegisFinality is frozen by a proved hub fork (it
/// acts again once the operator resumes it). Deliberately nothing else: no owner, no refund path, no
/// time condition.
contract HubFinalEscrow {
    IAegisFinality public immutable finality;
    address payable public immutable beneficiary;
    /// The awaited consumer block.
    uint64 public immutable height;
    bytes32 public immutable blockHash;
    bytes32 private immutable consumerIdHash; // strings cannot be immutable: compared by hash
    string public consumerId;
    bool public released;

    event Released(uint64 indexed hubHeight, address beneficiary, uint256 amount);

    error NothingEscrowed();
    error AlreadyReleased();
    /// The checkpoint shown is not of the awaited block.
    error WrongCheckpoint();
    error TransferFailed();
    /// AegisFinality saw a hub fork: hub finality is not acted on until it resumes.
    error FinalityFrozen();

    constructor(IAegisFinality finality_, string memory consumerId_, uint64 height_, bytes32 blockHash_, address payable beneficiary_) payable {
        if (msg.value == 0) revert NothingEscrowed();
        finality = finality_;
        consumerId = consumerId_;
        consumerIdHash = keccak256(bytes(consumerId_));
        height = height_;
        blockHash = blockHash_;
        beneficiary = beneficiary_;
    }

    /// `hubHeight`, `header`, `index`, `total`, `siblings`: as AegisFinality.verifyCheckpoint takes
    /// them (the hub's GET /consumers/:id/inclusion/:height gives them); `checkpoint`: the awaited
    /// block's checkpoint as the hub included it.
    function release(
        uint64 hubHeight,
        bytes calldata header,
        IAegisFinality.Checkpoint calldata checkpoint,
        uint256 index,
        uint256 total,
        bytes32[] calldata siblings
    ) external {
        if (released) revert AlreadyReleased();
        if (finality.frozen()) revert FinalityFrozen();
        if (keccak256(bytes(checkpoint.consumerId)) != consumerIdHash || checkpoint.height != height || checkpoint.blockHash != blockHash) revert WrongCheckpoint();
        // Reverts (its error bubbles up) unless the checkpoint is in a ZK-certified hub block.
        finality.verifyCheckpoint(hubHeight, header, checkpoint, index, total, siblings);
        released = true; // before the transfer: a re-entering beneficiary finds it released
        uint256 amount = address(this).balance;
        emit Released(hubHeight, beneficiary, amount);
        (bool ok, ) = beneficiary.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }
}
