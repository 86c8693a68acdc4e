pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/poseidon.circom";

// Aegis succinct finality certificate: validators holding more than 2/3 of the power of the
// committed validator set signed the finality message of one hub block.
//
// The validator set is N slots (N a power of two) of (BabyJubJub attestation key, power); its root
// is the Poseidon Merkle root of the leaves Poseidon(Ax, Ay, power). Empty slots are (0, 1, 0).
// The finality message is Poseidon(FINALITY_DOMAIN, chainId, height, time, blockHashHi, blockHashLo,
// validatorSetRoot, nextValidatorSetRoot). Public inputs, in this order: validatorSetRoot,
// nextValidatorSetRoot, chainId, height, time (the block's header time, Unix ms), blockHashHi,
// blockHashLo, signers (bit i = slot i signed), prover (the 20-byte account address the
// certificate's reward goes to, as an integer).
//
// What the circuit does not check, and the hub does when it builds a set (../../docs/decisions.md):
// that every key is a point of the prime-order subgroup (circomlib's verifier does not check A),
// and that no key is in two slots (its power would count twice).

// "aegis/finality/v2" as a big-endian integer: a signature over another message kind (or over the
// v1 message, which did not name the signing set) never verifies.
function FINALITY_DOMAIN() {
    return 0x61656769732f66696e616c6974792f7632;
}

function log2Exact(n) {
    var d = 0;
    while ((1 << d) < n) d++;
    return d;
}

// Poseidon Merkle root over 2^depth leaves (pairs hashed with Poseidon(2), level by level).
template PoseidonMerkleRoot(depth) {
    var n = 1 << depth;
    signal input leaves[n];
    signal output root;
    component h[n - 1];
    // Node k (k < n - 1) hashes the two nodes below it; nodes 0 .. n/2 - 1 hash leaves.
    var levelStart = 0;
    var width = n / 2;
    var k = 0;
    for (var level = 0; level < depth; level++) {
        for (var j = 0; j < width; j++) {
            h[k] = Poseidon(2);
            if (level == 0) {
                h[k].inputs[0] <== leaves[2 * j];
                h[k].inputs[1] <== leaves[2 * j + 1];
            } else {
                h[k].inputs[0] <== h[levelStart + 2 * j].out;
                h[k].inputs[1] <== h[levelStart + 2 * j + 1].out;
            }
            k++;
        }
        if (level > 0) levelStart += 2 * width;
        width = width / 2;
    }
    if (depth == 0) {
        root <== leaves[0];
    } else {
        root <== h[n - 2].out;
    }
}

template QuorumCertificate(N) {
    var DEPTH = log2Exact(N);
    assert((1 << DEPTH) == N);
    assert(N <= 128); // the signer bitmap is one field element (and the SDK's ZK_MAX_CAPACITY)
    // Powers are below 2^64, so their sum is below 2^(64 + DEPTH) and 3x that below 2^(66 + DEPTH):
    // no sum wraps around the field, and the comparison below sees true integers.
    var POWER_BITS = 64;
    var SUM_BITS = POWER_BITS + DEPTH + 2;

    signal input validatorSetRoot;
    signal input nextValidatorSetRoot;
    signal input chainId;
    signal input height;
    signal input time;
    signal input blockHashHi;
    signal input blockHashLo;
    signal input signers;
    signal input prover;

    signal input Ax[N];
    signal input Ay[N];
    signal input power[N];
    signal input R8x[N];
    signal input R8y[N];
    signal input S[N];

    // Blocks a certificate for an unrepresentable height, and two heights that are equal mod p.
    component heightBits = Num2Bits(64);
    heightBits.in <== height;
    // Blocks a time that is not a Unix ms value a verifier can compare (a consumer refuses a set it
    // trusted longer ago than its trusting period by this time).
    component timeBits = Num2Bits(64);
    timeBits.in <== time;
    // Blocks two block hashes with the same signed message: each limb is a true 128-bit half of the
    // 32-byte hash (a limb >= 2^128 would let a prover move bits between the halves).
    component hiBits = Num2Bits(128);
    hiBits.in <== blockHashHi;
    component loBits = Num2Bits(128);
    loBits.in <== blockHashLo;
    // Blocks a bitmap entry that is neither 0 nor 1 (Num2Bits makes every bit boolean), and a bitmap
    // naming slots beyond N (signers < 2^N).
    component bits = Num2Bits(N);
    bits.in <== signers;

    // Blocks keys and powers that are not the committed set's: the leaves are computed from the very
    // signals that the signatures are checked against and the power is summed from, and their root
    // must equal the public validatorSetRoot.
    component leaf[N];
    component tree = PoseidonMerkleRoot(DEPTH);
    // Blocks power overflow: each power is below 2^64, so no sum below wraps (see SUM_BITS).
    component powerBits[N];
    for (var i = 0; i < N; i++) {
        powerBits[i] = Num2Bits(POWER_BITS);
        powerBits[i].in <== power[i];
        leaf[i] = Poseidon(3);
        leaf[i].inputs[0] <== Ax[i];
        leaf[i].inputs[1] <== Ay[i];
        leaf[i].inputs[2] <== power[i];
        tree.leaves[i] <== leaf[i].out;
    }
    // Blocks a certificate for a validator set other than the one the verifier trusts.
    validatorSetRoot === tree.root;

    // Blocks a copied proof from paying anyone but its prover: a public input that no constraint
    // uses has the point at infinity as its verification-key term, so any value would verify with
    // the same proof. Squaring it (as Tornado Cash squares its recipient) puts it in a constraint,
    // so the proof is bound to this one value. Its range (20 bytes) is the verifier's to check.
    signal proverSquare;
    proverSquare <== prover * prover;

    // The finality message: blocks a signature made for another chain, height, block time, block,
    // signing set, next set or message kind from counting here. Naming the signing set
    // (validatorSetRoot) blocks a certificate proved against the set of another epoch whose members
    // overlap this one's; the signed time is what a consumer's trusting period is measured from.
    component message = Poseidon(8);
    message.inputs[0] <== FINALITY_DOMAIN();
    message.inputs[1] <== chainId;
    message.inputs[2] <== height;
    message.inputs[3] <== time;
    message.inputs[4] <== blockHashHi;
    message.inputs[5] <== blockHashLo;
    message.inputs[6] <== validatorSetRoot;
    message.inputs[7] <== nextValidatorSetRoot;

    // Blocks a set bit without a valid signature: every slot whose bit is set must carry its key's
    // EdDSA-Poseidon signature over the message (S < subgroup order and A not of small order are
    // checked by circomlib's verifier when enabled).
    component sig[N];
    signal signedPower[N + 1];
    signal totalPower[N + 1];
    signedPower[0] <== 0;
    totalPower[0] <== 0;
    for (var i = 0; i < N; i++) {
        sig[i] = EdDSAPoseidonVerifier();
        sig[i].enabled <== bits.out[i];
        sig[i].Ax <== Ax[i];
        sig[i].Ay <== Ay[i];
        sig[i].S <== S[i];
        sig[i].R8x <== R8x[i];
        sig[i].R8y <== R8y[i];
        sig[i].M <== message.out;
        signedPower[i + 1] <== signedPower[i] + bits.out[i] * power[i];
        totalPower[i + 1] <== totalPower[i] + power[i];
    }

    // Blocks a certificate signed by 2/3 of the power or less: strictly 3 * signed > 2 * total.
    component quorum = GreaterThan(SUM_BITS);
    quorum.in[0] <== 3 * signedPower[N];
    quorum.in[1] <== 2 * totalPower[N];
    quorum.out === 1;
}
