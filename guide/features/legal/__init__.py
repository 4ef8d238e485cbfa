"""The legal pages a French public service must have: the accessibility statement (RGAA 4.1), the legal notice
(mentions légales) and the contact page; linked from every footer."""
