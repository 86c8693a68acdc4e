// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {AegisFinality, IQuorumVerifier} from "./AegisFinality.sol";

/// Test only (test/evm/checkpointInclusion.test.ts): AegisFinality with a setter for
/// finalizedBlockHash, so the golden vectors' headers can be made final without a Groth16
/// certificate of each (the committed real certificate's block hash is fixed). verifyCheckpoint is
/// AegisFinality's own, unchanged. No verifier: submit is not used here.
contract AegisFinalityHarness is AegisFinality {
    constructor(uint256 hubChainId_) AegisFinality(IQuorumVerifier(address(0)), hubChainId_, 0, 0, 0, 1) {}

    function setFinalizedForTest(uint64 height, bytes32 blockHash) external {
        finalizedBlockHash[height] = blockHash;
    }
}
