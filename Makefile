# encephagen — build, test and run.
#
# ENCEPHAGEN_DATA lists the folders holding connectome files. In a checkout
# with ../shared beside it the shared copies are used; elsewhere the files
# are fetched into the per-user cache and verified (encephagen connectome fetch).

SHELL        := /bin/bash
GO           ?= go
BIN          := bin/encephagen
SHARED_DATA  := $(abspath ../shared/connectomes)
ENCEPHAGEN_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/encephagen/connectomes
ifneq ($(wildcard $(SHARED_DATA)/SHA256SUMS),)
ENCEPHAGEN_DATA ?= $(SHARED_DATA)
else
ENCEPHAGEN_DATA ?= $(ENCEPHAGEN_CACHE)
endif
export ENCEPHAGEN_DATA ENCEPHAGEN_CACHE
ALL_CONNECTOMES := paupau tvb66 tvb68 tvb76 tvb80 tvb96 tvb192 tvb998
VERSION      := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT       := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS      := -X main.version=$(VERSION) -X main.buildCommit=$(COMMIT)
TEST_TIMEOUT ?= 20m

# The vector loops of engine/simd need Go 1.26's experimental simd package
# (GOEXPERIMENT=simd); every Go command here uses it when the toolchain has
# it. Without it the same loops run in plain Go, with the same results;
# gotest and vet check that form as well (PLAIN_GO: the experiment off).
SIMD_EXPERIMENT := $(shell GOEXPERIMENT=simd $(GO) list simd/archsimd >/dev/null 2>&1 && echo simd)
ifneq ($(SIMD_EXPERIMENT),)
comma := ,
export GOEXPERIMENT := $(if $(GOEXPERIMENT),$(GOEXPERIMENT)$(comma)simd,simd)
endif
PLAIN_GO     := env -u GOEXPERIMENT
PLAIN_PKGS   := ./engine/simd ./engine/rng ./engine/sim ./engine/eprop

.PHONY: all build run test fmt-check vet gotest bench digest data test-data clean ptx cuda vet-cuda test-cuda gpu-emu gpu-bundle gpu-check

all: build

build:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/encephagen

# The main job: Experiment 22 in a reduced form (8 brains per condition
# instead of 10; about 70 s on 2 cores). Fetches TVB96 first when no
# data folder has it. The full protocol: $(BIN) exec experiments/22_eprop.star
RUN_SETS ?= --set runs=8
run: build data
	$(BIN) exec experiments/22_eprop.star $(RUN_SETS)

# Make sure the connectomes a job needs are present: each one missing from
# the data path is fetched into the cache and verified.
data: build
	@$(BIN) connectome path tvb96 >/dev/null 2>&1 || $(BIN) connectome fetch tvb96

test-data: build
	@for c in $(ALL_CONNECTOMES); do \
	  $(BIN) connectome path $$c >/dev/null 2>&1 || $(BIN) connectome fetch $$c || exit 1; \
	done

test: fmt-check vet gotest

fmt-check:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(PLAIN_GO) $(GO) vet ./engine/...

gotest: build test-data
	$(GO) test -timeout $(TEST_TIMEOUT) ./...
	$(PLAIN_GO) $(GO) test -timeout $(TEST_TIMEOUT) $(PLAIN_PKGS)

bench: build data
	$(BIN) bench

# One digest per experiment, shrunk, over its unit files and report: equal
# digests at two commits mean results bit for bit the same.
digest: build data
	experiments/digest.sh $(BIN)

clean:
	rm -rf bin

# The CUDA backend (gpu/, build tag cuda, gorgonia.org/cu). Building it needs
# cgo, a C compiler and the CUDA headers and link library (Debian bookworm:
# nvidia-cuda-dev from non-free), not nvcc: the PTX is committed. The binary
# starts only where a GPU is usable; elsewhere it says so and exits 1.
GPU_BUNDLE ?= bin/gpu-bundle

ptx:        # regenerate gpu/kernels/*.ptx and PTX.sum (needs nvcc ≥ 11.8); commit them
	gpu/ptx.sh

cuda:       # bin/encephagen-cuda, the binary with the CUDA backend
	CGO_ENABLED=1 $(GO) build -tags cuda -ldflags '$(LDFLAGS)' -o bin/encephagen-cuda ./cmd/encephagen

vet-cuda:
	CGO_ENABLED=1 $(GO) vet -tags cuda ./gpu/... ./cmd/...

# test-cuda: the cuda build vets; it starts or refuses as decided on this
# machine (GPU or not); and on the driver emulator (about a minute) the
# kernels reproduce the CPU engine (a batch of different brains, hand-overs,
# new weights, e-prop) and scripts give the CPU's results through the cuda
# binary. gpu-emu runs every GPU test on the emulator (many minutes).
EMU_TESTS = Available|GPUMatchesCPU$$|GPUMatchesCPUVariants|GPUHandover|GPUSetNetwork|GPULearning
test-cuda: vet-cuda
	CGO_ENABLED=1 $(GO) test -tags cudacheck -run 'CUDABuild' ./cmd/encephagen
	gpu/emu.sh -run '$(EMU_TESTS)'
	EMU_TAGS=cudacheck EMU_PKG=./cmd/encephagen gpu/emu.sh -run 'CUDABuild'


gpu-emu:    # the cuda-tagged tests on a CPU emulator of the driver (needs g++)
	gpu/emu.sh -short

gpu-bundle: # test binary, binary, connectomes and BUILD-INFO to carry to a GPU machine
	gpu/bundle.sh $(GPU_BUNDLE)

gpu-check:  # on the GPU machine: every GPU test and benchmark, one report file
	gpu/check.sh $(GPU_BUNDLE) gpu-check-report.txt
