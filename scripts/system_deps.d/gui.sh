# HikyuuTDX tests run Qt offscreen; a CJK font makes the Chinese labels render in the screenshots.
need_apt fonts-wqy-microhei
