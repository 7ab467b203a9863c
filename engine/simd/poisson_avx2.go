//go:build goexperiment.simd && amd64

package simd

import "simd/archsimd"

// poissonCountsAVX2 makes 4 draws (8 neurons) at a time: the 4 states
// are s + k·inc, the 64×64→128-bit product is built from four 32×32→64
// products (VPMULUDQ), and the counts come from the same subtractions as
// in count, in 64-bit lanes. Draws with a neuron at u ≥ t1 (count 2 from
// the subtractions; 1.4 % of neurons at the defaults) are finished by
// the table walk, neuron by neuron.
func poissonCountsAVX2(counts []int32, state *uint64, inc, mix uint64, table []uint32) {
	t0, t1 := cuts(table)
	s := *state
	n := len(counts) &^ 7
	var draws [4]uint64
	if n > 0 {
		st := archsimd.LoadUint64x4Slice([]uint64{s + inc, s + 2*inc, s + 3*inc, s + 4*inc})
		step := archsimd.BroadcastUint64x4(4 * inc)
		kmix := archsimd.BroadcastUint64x4(mix)
		low := archsimd.BroadcastUint64x4(0xffffffff)
		k0 := archsimd.BroadcastUint64x4(t0)
		k1 := archsimd.BroadcastUint64x4(t1)
		two := archsimd.BroadcastUint64x4(2)
		tc := archsimd.BroadcastInt32x8(2)
		for i := 0; i < n; i += 8 {
			x, y := st, st.Xor(kmix)
			xh, yh := x.ShiftAllRight(32), y.ShiftAllRight(32)
			ll := x.AsUint32x8().MulEvenWiden(y.AsUint32x8())
			lh := x.AsUint32x8().MulEvenWiden(yh.AsUint32x8())
			hl := xh.AsUint32x8().MulEvenWiden(y.AsUint32x8())
			hh := xh.AsUint32x8().MulEvenWiden(yh.AsUint32x8())
			mid := ll.ShiftAllRight(32).Add(lh.And(low)).Add(hl.And(low))
			lo := mid.ShiftAllLeft(32).Or(ll.And(low))
			hi := hh.Add(lh.ShiftAllRight(32)).Add(hl.ShiftAllRight(32)).Add(mid.ShiftAllRight(32))
			d := hi.Xor(lo)
			uh, ul := d.ShiftAllRight(32), d.And(low)
			ch := two.Sub(uh.Sub(k0).ShiftAllRight(63)).Sub(uh.Sub(k1).ShiftAllRight(63))
			cl := two.Sub(ul.Sub(k0).ShiftAllRight(63)).Sub(ul.Sub(k1).ShiftAllRight(63))
			c := ch.Or(cl.ShiftAllLeft(32)).AsInt32x8() // neuron order: high half first
			c.StoreSlice(counts[i : i+8])
			if m := c.Equal(tc).ToBits(); m != 0 {
				d.StoreSlice(draws[:])
				for ; m != 0; m &= m - 1 {
					k := 0
					for m>>k&1 == 0 {
						k++
					}
					u := draws[k/2] >> 32
					if k%2 == 1 {
						u = draws[k/2] & 0xffffffff
					}
					counts[i+k] = int32(tailCount(table, uint32(u)))
				}
			}
			st = st.Add(step)
		}
		archsimd.ClearAVXUpperBits()
		s += uint64(n/2) * inc
	}
	*state = s
	poissonCountsGo(counts[n:], state, inc, mix, table)
}
