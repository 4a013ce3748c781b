package aurpayhttp

// SHA3-256 (FIPS 202) for HMAC-SHA3_256. Go's standard library has it from
// Go 1.24 (crypto/sha3); Debian's Go (1.19 here) does not, and the check
// uses the standard library only, so this is the Keccak-f[1600]
// permutation and the SHA3-256 sponge, checked by the shared signing
// vectors and the empty-string digest in the vectors check. On Go 1.24+
// use crypto/sha3.New256 instead.

import (
	"encoding/binary"
	"hash"
)

var keccakRoundConstants = [24]uint64{
	0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
	0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
	0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
	0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
	0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
	0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
}

// Rotation offsets and the pi permutation, in the order the rho-pi step
// walks the lanes.
var keccakRotations = [24]uint{1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44}
var keccakPi = [24]int{10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1}

func keccakF1600(a *[25]uint64) {
	var c [5]uint64
	for round := 0; round < 24; round++ {
		for x := 0; x < 5; x++ {
			c[x] = a[x] ^ a[x+5] ^ a[x+10] ^ a[x+15] ^ a[x+20]
		}
		for x := 0; x < 5; x++ {
			d := c[(x+4)%5] ^ (c[(x+1)%5]<<1 | c[(x+1)%5]>>63)
			for y := 0; y < 25; y += 5 {
				a[y+x] ^= d
			}
		}
		current := a[1]
		for i := 0; i < 24; i++ {
			j := keccakPi[i]
			next := a[j]
			a[j] = current<<keccakRotations[i] | current>>(64-keccakRotations[i])
			current = next
		}
		for y := 0; y < 25; y += 5 {
			for x := 0; x < 5; x++ {
				c[x] = a[y+x]
			}
			for x := 0; x < 5; x++ {
				a[y+x] = c[x] ^ (^c[(x+1)%5] & c[(x+2)%5])
			}
		}
		a[0] ^= keccakRoundConstants[round]
	}
}

// sha3_256 implements hash.Hash (what crypto/hmac needs).
type sha3_256 struct {
	state  [25]uint64
	buffer []byte
}

const sha3Rate = 136 // bytes: (1600 - 2*256) / 8

func newSHA3_256() hash.Hash { return &sha3_256{} }

func (h *sha3_256) absorb(block []byte) {
	for i := 0; i < sha3Rate/8; i++ {
		h.state[i] ^= binary.LittleEndian.Uint64(block[8*i:])
	}
	keccakF1600(&h.state)
}

func (h *sha3_256) Write(p []byte) (int, error) {
	n := len(p)
	h.buffer = append(h.buffer, p...)
	for len(h.buffer) >= sha3Rate {
		h.absorb(h.buffer[:sha3Rate])
		h.buffer = h.buffer[sha3Rate:]
	}
	return n, nil
}

func (h *sha3_256) Sum(in []byte) []byte {
	copyOf := *h
	copyOf.buffer = append([]byte(nil), h.buffer...)
	block := make([]byte, sha3Rate)
	copy(block, copyOf.buffer)
	block[len(copyOf.buffer)] ^= 0x06 // SHA-3 domain separation and padding
	block[sha3Rate-1] ^= 0x80
	copyOf.absorb(block)
	out := make([]byte, 32)
	for i := 0; i < 4; i++ {
		binary.LittleEndian.PutUint64(out[8*i:], copyOf.state[i])
	}
	return append(in, out...)
}

func (h *sha3_256) Reset()         { *h = sha3_256{} }
func (h *sha3_256) Size() int      { return 32 }
func (h *sha3_256) BlockSize() int { return sha3Rate }

// SHA3Sum256 is SHA3-256 of data (for checking this implementation).
func SHA3Sum256(data []byte) []byte {
	h := newSHA3_256()
	h.Write(data)
	return h.Sum(nil)
}
