//go:build cuda

package gpu

import (
	_ "embed"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
)

// The PTX of kernels/step.cu, one per virtual architecture (ptx.sh).
var (
	//go:embed kernels/step_80.ptx
	ptx80 string
	//go:embed kernels/step_90.ptx
	ptx90 string
)

// device is the process's GPU: the driver is opened once, and every CUDA
// call runs on one goroutine locked to one OS thread, which holds the
// device's primary context for the life of the process.
type device struct {
	calls    chan func()
	index    int
	name     string
	ccMajor  int
	ccMinor  int
	sms      int
	totalMem uint64
	driver   int
	arch     string // PTX architecture loaded
	// filled by setup, on the device thread
	dev cuDevice
	ctx cuContext
	fn  [numKernels]cuFunction // every kernel of the table (abi_gen.go)
}

var (
	devOnce sync.Once
	theDev  *device
	devErr  error
)

// getDevice opens the GPU on first use.
func getDevice() (*device, error) {
	devOnce.Do(func() { theDev, devErr = openDevice() })
	return theDev, devErr
}

func openDevice() (*device, error) {
	d := &device{calls: make(chan func())}
	if s := os.Getenv("ENCEPHAGEN_CUDA_DEVICE"); s != "" {
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("ENCEPHAGEN_CUDA_DEVICE must be a device index ≥ 0, got %q", s)
		}
		d.index = i
	}
	ready := make(chan error)
	go d.loop(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return d, nil
}

// loop is the device thread. It is never unlocked: when setup fails the
// goroutine ends and its thread with it.
func (d *device) loop(ready chan<- error) {
	runtime.LockOSThread()
	if err := d.setup(); err != nil {
		ready <- err
		return
	}
	ready <- nil
	for f := range d.calls {
		f()
	}
}

// do runs f on the device thread and returns its error.
func (d *device) do(f func() error) error {
	done := make(chan error, 1)
	d.calls <- func() { done <- f() }
	return <-done
}

func (d *device) setup() error {
	// The driver was initialised by package cuinit: the process exits
	// before this runs when it could not be.
	d.driver = cuDriverVersion()
	n, err := cuDeviceCount()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no CUDA device found")
	}
	if d.index >= n {
		return fmt.Errorf("CUDA device %d requested, %d present", d.index, n)
	}
	if d.dev, err = cuDeviceGet(d.index); err != nil {
		return err
	}
	d.name = cuDeviceName(d.dev)
	d.ccMajor, _ = cuDeviceAttr(d.dev, attrCCMajor)
	d.ccMinor, _ = cuDeviceAttr(d.dev, attrCCMinor)
	d.sms, _ = cuDeviceAttr(d.dev, attrMultiprocessors)
	d.totalMem, _ = cuDeviceTotalMem(d.dev)
	ptx := ptx90
	d.arch = "compute_90"
	switch {
	case d.ccMajor < 8:
		return fmt.Errorf("%s has compute capability %d.%d; the CUDA backend needs 8.0 or later", d.name, d.ccMajor, d.ccMinor)
	case d.ccMajor == 8:
		ptx, d.arch = ptx80, "compute_80"
	}
	if d.ctx, err = cuPrimaryCtxRetain(d.dev); err != nil {
		return err
	}
	if err := cuCtxSetCurrent(d.ctx); err != nil {
		return err
	}
	mod, err := cuModuleLoadPTX(ptx)
	if err != nil {
		return fmt.Errorf("loading the kernels (%s) on %s: %w", d.arch, d.name, err)
	}
	for k, name := range kernelNames {
		if d.fn[k], err = cuModuleGetFunction(mod, name); err != nil {
			return err
		}
	}
	return nil
}

func (d *device) String() string {
	return fmt.Sprintf("%s (compute %d.%d, %d multiprocessors, %.0f GiB, CUDA driver %d.%d, kernels %s)",
		d.name, d.ccMajor, d.ccMinor, d.sms, float64(d.totalMem)/(1<<30), d.driver/1000, d.driver%1000/10, d.arch)
}

// Available reports whether a usable GPU was found, and says which one or
// why not. The first call opens the driver (a second or so).
func Available() (bool, string) {
	d, err := getDevice()
	if err != nil {
		return false, err.Error()
	}
	return true, d.String()
}
