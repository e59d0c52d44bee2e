"""Files we keep for people: profile pictures (public, served under MEDIA_BASE_URL) and data exports (private,
served only through their own download route). Both sit behind one interface (``storage.Storage``)."""
