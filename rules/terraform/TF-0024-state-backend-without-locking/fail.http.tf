terraform {
  backend "http" { # expect: TF-0024
    address = "https://state.example.com/projects/shop"
  }
}
