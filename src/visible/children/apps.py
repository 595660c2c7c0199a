from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "visible.children"
    label = "children"
    verbose_name = "Register of children in scope"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Pillow warns above this many pixels and refuses above twice it, whatever opens an
        # image: the same limit as a photograph's (visible/children/photographs.py).
        Image.MAX_IMAGE_PIXELS = settings.VISIBLE_PHOTO_MAX_PIXELS
