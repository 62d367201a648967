// The sources page is static: no script beyond the shared ones.
