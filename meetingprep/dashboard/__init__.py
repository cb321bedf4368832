"""领导驾驶舱: the leaders' dashboard, built from independent sections (see ``sections``)."""
