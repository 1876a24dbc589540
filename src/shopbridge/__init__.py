"""shopbridge: push a shop's data into the Kanal and Karla APIs without losing a record."""
