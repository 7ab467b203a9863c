package report

import (
	"os"

	"gonum.org/v1/plot/vg/vgimg"
)

// savePNG writes the image through a temporary file so an interrupted
// write never leaves a truncated plot.
func savePNG(path string, img *vgimg.Canvas) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
