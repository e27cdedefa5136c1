package envtest_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"
)

// cmdTerminal is kwait run with stdout and stderr on a pseudo-terminal of
// a given size; everything it writes is kept, and cmdScreen replays it.
type cmdTerminal struct {
	proc *cmdProcess
	out  *cmdBuffer
	read chan struct{} // closed when the terminal's output ends
}

// cmdStartInTerminal runs kwait with args on a new pseudo-terminal of
// cols×rows, with TERM set to term.
func cmdStartInTerminal(cols, rows uint16, term string, args ...string) *cmdTerminal {
	GinkgoHelper()
	master, slave := cmdOpenPTY(cols, rows)
	t := &cmdTerminal{out: &cmdBuffer{}, read: make(chan struct{})}
	p := &cmdProcess{stdout: t.out, stderr: t.out, done: make(chan struct{})}
	p.cmd = exec.Command(cmdBinary, args...)
	p.cmd.Env = append(cmdEnv("TERM="+term), "NO_COLOR=") // colour on, as a user's terminal has it
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = slave, slave, slave
	Expect(p.cmd.Start()).To(Succeed())
	// Only kwait holds the terminal now: when it exits, reads from the
	// master end with EIO.
	Expect(slave.Close()).To(Succeed())
	go func() {
		defer close(t.read)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			_, _ = t.out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer close(p.done)
		p.err = p.cmd.Wait()
	}()
	DeferCleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		<-t.read
		_ = master.Close()
	})
	t.proc = p
	return t
}

// wait waits for kwait to exit and for its last output.
func (t *cmdTerminal) wait() cmdResult {
	GinkgoHelper()
	r := t.proc.wait()
	Eventually(t.read).WithTimeout(cmdExitTimeout).Should(BeClosed())
	r.stdout = t.out.String()
	return r
}

// screen is what the terminal shows now.
func (t *cmdTerminal) screen() []string { return cmdScreen(t.out.String()) }

func (t *cmdTerminal) screenText() string { return strings.Join(t.screen(), "\n") }

// cmdOpenPTY opens a pseudo-terminal pair through /dev/ptmx and sets its
// size.
func cmdOpenPTY(cols, rows uint16) (master, slave *os.File) {
	GinkgoHelper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if errors.Is(err, os.ErrNotExist) {
		Skip("no /dev/ptmx on this machine")
	}
	Expect(err).NotTo(HaveOccurred())
	fd := int(master.Fd())
	Expect(unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0)).To(Succeed())
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	Expect(err).NotTo(HaveOccurred())
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	Expect(err).NotTo(HaveOccurred())
	Expect(unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows})).To(Succeed())
	return master, slave
}

// cmdScreen replays out as a terminal would, for what the live table uses:
// text, CR, LF, cursor up (CSI n A), erase to end of line (CSI K) and of
// screen (CSI J); other sequences (colours, cursor visibility) show
// nothing. It returns the lines the screen holds, without trailing blanks:
// a table redrawn in place shows once, a table drawn twice shows twice.
func cmdScreen(out string) []string {
	var (
		lines    [][]rune
		row, col int
	)
	at := func() {
		for len(lines) <= row {
			lines = append(lines, nil)
		}
		for len(lines[row]) < col {
			lines[row] = append(lines[row], ' ')
		}
	}
	for i := 0; i < len(out); {
		c := out[i]
		switch {
		case c == '\r':
			col = 0
			i++
		case c == '\n':
			row++
			i++
		case c == 0x1b && i+1 < len(out) && out[i+1] == '[':
			j := i + 2
			for j < len(out) && (out[j] < 0x40 || out[j] > 0x7e) {
				j++
			}
			if j == len(out) {
				i = j
				continue
			}
			param := out[i+2 : j]
			switch out[j] {
			case 'A':
				n, err := strconv.Atoi(param)
				if err != nil {
					n = 1
				}
				row = max(row-n, 0)
			case 'K':
				at()
				lines[row] = lines[row][:col]
			case 'J':
				at()
				lines[row] = lines[row][:col]
				lines = lines[:row+1]
			}
			i = j + 1
		default:
			r, size := utf8.DecodeRuneInString(out[i:])
			at()
			if col < len(lines[row]) {
				lines[row][col] = r
			} else {
				lines[row] = append(lines[row], r)
			}
			col++
			i += size
		}
	}
	var screen []string
	for _, l := range lines {
		screen = append(screen, strings.TrimRight(string(l), " "))
	}
	for len(screen) > 0 && screen[len(screen)-1] == "" {
		screen = screen[:len(screen)-1]
	}
	return screen
}

// cmdPTYMu keeps pty specs one at a time: they read the whole screen.
var cmdPTYMu sync.Mutex
