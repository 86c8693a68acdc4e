// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The Groth16 verifier snarkjs exports for the quorum circuit (its verifier_groth16 template,
/// rendered with the circuit's verification key): seven public signals.
interface IQuorumVerifier {
    function verifyProof(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[7] calldata pubSignals) external view returns (bool);
}

/// Follows Aegis hub finality on an EVM chain with succinct certificates: keeps the trusted
/// validator-set root (a Poseidon root, circuits/src/quorumCertificate.circom) and accepts a
/// certificate for a newer height when its proof shows that more than 2/3 of that set's power
/// signed the block. The certificate's next root becomes the trusted root: the set that signs the
/// next height. Skipping heights is fine within an epoch; across a set change the last certificate
/// of the epoch (the one naming the new root) must come first, or the root does not match.
contract AegisFinality {
    IQuorumVerifier public immutable verifier;
    /// The hub chain id as the circuit's field element (SDK: computeZkChainId).
    uint256 public immutable hubChainId;
    uint256 public validatorSetRoot;
    uint64 public latestHeight;
    mapping(uint64 => bytes32) public finalizedBlockHash;

    event Finalized(uint64 indexed height, bytes32 blockHash, uint256 signers, uint256 nextValidatorSetRoot);

    error StaleHeight(uint64 height, uint64 latestHeight);
    error InvalidProof();

    constructor(IQuorumVerifier verifier_, uint256 hubChainId_, uint256 validatorSetRoot_, uint64 trustedHeight) {
        verifier = verifier_;
        hubChainId = hubChainId_;
        validatorSetRoot = validatorSetRoot_;
        latestHeight = trustedHeight;
    }

    /// `proof`: the SDK's compact proof as eight words (A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y).
    function submit(uint64 height, bytes32 blockHash, uint256 nextValidatorSetRoot, uint256 signers, uint256[8] calldata proof) external {
        if (height <= latestHeight) revert StaleHeight(height, latestHeight);
        uint256 h = uint256(blockHash);
        uint256[7] memory pub = [validatorSetRoot, nextValidatorSetRoot, hubChainId, uint256(height), h >> 128, h & type(uint128).max, signers];
        if (!verifier.verifyProof([proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], pub)) revert InvalidProof();
        latestHeight = height;
        finalizedBlockHash[height] = blockHash;
        validatorSetRoot = nextValidatorSetRoot;
        emit Finalized(height, blockHash, signers, nextValidatorSetRoot);
    }
}
