package httpapi

import (
	"errors"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/photo"
	"yizhan/internal/strictjson"
)

// Station photos (issue 15 §1): the wire side of internal/photo.

// photoPath is where a stored image is served: /v1/photos/<sha256>.jpg.
const photoPath = "/v1/photos/"

// photoURL is the path of the image of that name.
func photoURL(name string) string { return photoPath + name + ".jpg" }

// appendPhotoURL appends photoURL(name) to b without allocating.
func appendPhotoURL(b []byte, name string) []byte {
	b = append(b, photoPath...)
	b = append(b, name...)
	return append(b, ".jpg"...)
}

// photoJSON is a photo on the wire.
type photoJSON struct {
	ID              uuid.UUID `json:"id"`
	StationID       uuid.UUID `json:"station_id"`
	URL             string    `json:"url"`
	ThumbnailURL    string    `json:"thumbnail_url"`
	Width           int       `json:"width"`
	Height          int       `json:"height"`
	ThumbnailWidth  int       `json:"thumbnail_width"`
	ThumbnailHeight int       `json:"thumbnail_height"`
	Bytes           int       `json:"bytes"`
	Entrance        bool      `json:"entrance"`
	CreatedAt       time.Time `json:"created_at"`
}

func toPhotoJSON(p photo.Photo) photoJSON {
	return photoJSON{ID: p.ID, StationID: p.StationID, URL: photoURL(p.Full), ThumbnailURL: photoURL(p.Thumb),
		Width: p.Width, Height: p.Height, ThumbnailWidth: p.ThumbWidth, ThumbnailHeight: p.ThumbHeight,
		Bytes: p.Bytes, Entrance: p.Entrance, CreatedAt: wireTime(p.CreatedAt)}
}

type photoList struct {
	Items []photoJSON `json:"items"`
}

func toPhotoList(list []photo.Photo) photoList {
	out := photoList{Items: make([]photoJSON, 0, len(list))}
	for _, p := range list {
		out.Items = append(out.Items, toPhotoJSON(p))
	}
	return out
}

func photoID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("photo_id"))
	if err != nil || len(c.Param("photo_id")) != 36 {
		return uuid.Nil, apperr.New(apperr.NotFound, "%s not found", apperr.Word("photo"))
	}
	return id, nil
}

// multipartSlack is what a multipart upload may add to the image's bytes.
const multipartSlack = 64 << 10

// readPhoto reads an upload: the image as the body (image/jpeg or
// image/png), or the first file of a multipart/form-data form (a browser's
// or the mini-program's wx.uploadFile). Whatever the declared type, the
// bytes decide what the file is.
func (s *server) readPhoto(c echo.Context) ([]byte, error) {
	limit := int64(s.Photos.Limits().MaxBytes)
	mt, params, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != "multipart/form-data" {
		body, err := readBody(c, limit, "image/jpeg", "image/png")
		if ae := (*apperr.Error)(nil); errors.As(err, &ae) {
			switch ae.Code {
			case apperr.TooLarge:
				return nil, photoTooLarge(limit)
			case apperr.UnsupportedMedia:
				return nil, apperr.New(apperr.UnsupportedMedia,
					"send the photo as a JPEG or PNG body (Content-Type: image/jpeg or image/png) or as the file of a multipart/form-data form")
			}
		}
		return body, err
	}
	r := multipart.NewReader(http.MaxBytesReader(c.Response(), c.Request().Body, limit+multipartSlack), params["boundary"])
	for {
		part, err := r.NextPart()
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, photoTooLarge(limit)
			}
			if errors.Is(err, io.EOF) {
				return nil, apperr.New(apperr.Invalid, "the form holds no file; send the photo as the field %s", "photo")
			}
			return nil, apperr.New(apperr.Invalid, "the body could not be read")
		}
		if part.FileName() == "" {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, photoTooLarge(limit)
			}
			return nil, apperr.New(apperr.Invalid, "the body could not be read")
		}
		if int64(len(b)) > limit {
			return nil, photoTooLarge(limit)
		}
		return b, nil
	}
}

func photoTooLarge(limit int64) error {
	return apperr.New(apperr.TooLarge, "a photo may be at most %d MB", limit>>20)
}

func (s *server) uploadPhoto(c echo.Context) error {
	var p apperr.Problems
	entrance := false
	switch v := c.QueryParam("entrance"); v {
	case "", "false":
	case "true":
		entrance = true
	default:
		p.Add("entrance", "format", "must be true or false")
	}
	if err := p.Err(); err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	data, err := s.readPhoto(c)
	if err != nil {
		return err
	}
	ph, created, err := s.Photos.Upload(c.Request().Context(), principal(c), id, data, entrance)
	if err != nil {
		return err
	}
	status := http.StatusOK // the same image again: the photo stored the first time
	if created {
		status = http.StatusCreated
		c.Response().Header().Set("Location", photoURL(ph.Full))
	}
	return c.JSON(status, toPhotoJSON(ph))
}

func (s *server) listPhotos(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := s.Stations.Get(c.Request().Context(), id); err != nil {
		return err
	}
	list, err := s.Photos.List(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPhotoList(list))
}

type photoPatch struct {
	Entrance *bool `json:"entrance"`
}

func (s *server) patchPhoto(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	pid, err := photoID(c)
	if err != nil {
		return err
	}
	// A PATCH, so a merge patch as on every other resource; plain JSON too.
	body, err := readBody(c, bodyLimit, "application/merge-patch+json", echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	var req photoPatch
	if err := strictjson.Decode(body, &req); err != nil {
		return err
	}
	if req.Entrance == nil {
		var p apperr.Problems
		p.Add("entrance", "required", "is required")
		return p.Err()
	}
	ph, err := s.Photos.SetEntrance(c.Request().Context(), principal(c), id, pid, *req.Entrance)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPhotoJSON(ph))
}

func (s *server) deletePhoto(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	pid, err := photoID(c)
	if err != nil {
		return err
	}
	if err := s.Photos.Delete(c.Request().Context(), s.log, principal(c), id, pid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// photoCacheControl lets browsers, the mini-program and any cache keep an
// image for a year without asking again: its name is its content.
const photoCacheControl = "public, max-age=31536000, immutable"

// servePhoto answers a stored image. The ETag is its name; a client that
// has it gets 304.
func (s *server) servePhoto(c echo.Context) error {
	name, ok := strings.CutSuffix(c.Param("file"), ".jpg")
	if !ok || !photo.ValidName(name) {
		return apperr.New(apperr.NotFound, "%s not found", apperr.Word("photo"))
	}
	tag := `"` + name + `"`
	h := c.Response().Header()
	if match := c.Request().Header.Get("If-None-Match"); match != "" && etagListHas(match, tag) {
		h.Set("ETag", tag)
		h.Set("Cache-Control", photoCacheControl)
		return c.NoContent(http.StatusNotModified)
	}
	f, err := s.Photos.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return apperr.New(apperr.NotFound, "%s not found", apperr.Word("photo"))
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	h.Set("ETag", tag)
	h.Set("Cache-Control", photoCacheControl)
	// ServeContent sends Content-Length, answers Range and HEAD, and
	// checks If-None-Match once more.
	http.ServeContent(c.Response(), c.Request(), name+".jpg", info.ModTime(), f)
	return nil
}

// etagListHas reports whether an If-None-Match list names tag (or is *).
func etagListHas(list, tag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}
