touch marker
