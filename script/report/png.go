package report

import (
	"io"

	"gonum.org/v1/plot/vg/vgimg"
)

func writePNG(w io.Writer, img *vgimg.Canvas) error {
	_, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w)
	return err
}
