package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sync"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// iconPNG draws our own 32×32 icon once (a green dot on a dark tile) for
// 4.2.5's /images/icon.png URL, which browsers and bookmarks use.
var iconPNG = sync.OnceValue(func() []byte {
	const n = 32
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	bg := color.NRGBA{0x1d, 0x23, 0x30, 0xff}
	dot := color.NRGBA{0x2e, 0xb8, 0x6b, 0xff}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c := bg
			dx, dy := x-n/2, y-n/2
			if dx*dx+dy*dy <= 8*8 {
				c = dot
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
})

func icon(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rpc.WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "max-age=86400")
	_, _ = w.Write(iconPNG())
}
